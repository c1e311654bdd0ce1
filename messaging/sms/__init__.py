"""SMS for the messaging app: what a text costs (`parts.count_parts`) and the providers that send it
(`providers.provider_for(SmsConfig)`: Twilio or SMS.ru), with their delivery-status and STOP-reply callbacks.

A library: no models, no views. The messaging app stores each chain's SmsConfig, calls `send` from its sending
task (retrying SmsTemporaryError, recording SmsPermanentError and treating `opted_out` as withdrawn SMS consent),
and routes the providers' callbacks to `status_update` and `stop_replies`, answering `callback_reply`
(docs/sms-providers.md: the views it needs and how each callback proves itself).
"""

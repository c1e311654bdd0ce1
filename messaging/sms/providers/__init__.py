"""SMS providers behind one small interface (base.py): Twilio and SMS.ru, chosen per chain by its SmsConfig."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from messaging.sms.providers.base import (
    CallbackReply,
    DeliveryStatus,
    FailureReason,
    InvalidCallbackSignature,
    ProviderName,
    SmsConfig,
    SmsConfigInvalid,
    SmsError,
    SmsPermanentError,
    SmsProvider,
    SmsSent,
    SmsStatus,
    SmsTemporaryError,
    new_callback_token,
)
from messaging.sms.providers.smsru import SmsRuProvider
from messaging.sms.providers.twilio import TwilioProvider

__all__ = [
    "CallbackReply",
    "DeliveryStatus",
    "FailureReason",
    "InvalidCallbackSignature",
    "ProviderName",
    "SmsConfig",
    "SmsConfigInvalid",
    "SmsError",
    "SmsPermanentError",
    "SmsProvider",
    "SmsSent",
    "SmsStatus",
    "SmsTemporaryError",
    "new_callback_token",
    "provider_for",
]

# The settings each provider cannot work without, by SmsConfig field.
REQUIRED_FIELDS = {
    ProviderName.TWILIO: ("sender", "twilio_account_sid", "twilio_auth_token"),
    ProviderName.SMSRU: ("smsru_api_id", "callback_token"),
}


def provider_for(config: SmsConfig) -> SmsProvider:
    """The provider a chain's config names; SmsConfigInvalid (422) naming each missing field."""
    if config.provider not in REQUIRED_FIELDS:
        raise SmsConfigInvalid(fields={"provider": [str(_("Choose Twilio or SMS.ru."))]})
    name = ProviderName(config.provider)
    missing = [field for field in REQUIRED_FIELDS[name] if not getattr(config, field)]
    if missing:
        raise SmsConfigInvalid(fields={field: [str(_("This field is required."))] for field in missing})
    if name == ProviderName.TWILIO:
        return TwilioProvider(config)
    return SmsRuProvider(config)

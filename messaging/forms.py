"""The messaging settings forms: quiet hours, marketing caps, channel order and the email sender; the SMS provider
and its credentials; the "cost of a text" helper."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.models import Channel, MessagingSettings, SmsProvider


class MessagingSettingsForm(forms.Form):
    quiet_hours_start = forms.TimeField(label=_("Quiet hours from"), required=False)
    quiet_hours_end = forms.TimeField(label=_("Quiet hours until"), required=False)
    marketing_per_day = forms.IntegerField(label=_("Marketing messages per guest per day"), min_value=0, max_value=50)
    marketing_per_week = forms.IntegerField(
        label=_("Marketing messages per guest per week"), min_value=0, max_value=100
    )
    channel_order = forms.CharField(
        label=_("Channel order"),
        help_text=_("Comma-separated: telegram, email, sms"),
        max_length=64,
    )
    email_sender_name = forms.CharField(label=_("Email sender name"), max_length=100, required=False)
    email_sender_address = forms.EmailField(label=_("Email sender address"), required=False)

    def __init__(self, *args: Any, instance_values: MessagingSettings, **kwargs: Any) -> None:
        initial = {name: getattr(instance_values, name) for name in self.base_fields}
        initial["channel_order"] = ", ".join(instance_values.channel_order)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def clean_channel_order(self) -> list[str]:
        order = [name.strip().lower() for name in self.cleaned_data["channel_order"].split(",") if name.strip()]
        unknown = [name for name in order if name not in Channel.values]
        if not order or unknown or len(set(order)) != len(order):
            raise forms.ValidationError(_("List each of telegram, email and sms at most once."))
        return order

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("quiet_hours_start") is None) != (cleaned.get("quiet_hours_end") is None):
            raise forms.ValidationError(_("Give both ends of the quiet hours, or neither."))
        if (cleaned.get("marketing_per_week") or 0) < (cleaned.get("marketing_per_day") or 0):
            self.add_error("marketing_per_week", _("The weekly cap cannot be below the daily one."))
        return cleaned


class MessageTemplateForm(forms.Form):
    """One kind's wording in one language, per channel (checked by messaging.services.save_message_template)."""

    email_subject = forms.CharField(label=_("Email subject"), max_length=200, required=False)
    email_html = forms.CharField(label=_("Email HTML"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    email_text = forms.CharField(label=_("Email text"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    sms_text = forms.CharField(label=_("SMS text"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    telegram_text = forms.CharField(label=_("Telegram text"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class SmsProviderForm(forms.Form):
    """The chain's SMS provider and its credentials. Secrets (Twilio's auth token, SMS.ru's api_id) are write-only:
    never shown back, and left empty they keep the stored value (messaging.services.set_sms_provider). Field names
    are SmsConfig's, so the service's "missing field" errors land on them."""

    sms_provider = forms.ChoiceField(label=_("SMS provider"), choices=SmsProvider.choices, required=False)
    sender = forms.CharField(
        label=_("SMS sender"),
        max_length=34,
        required=False,
        help_text=_("A registered sender name (up to 11 letters), a phone number, or a Twilio Messaging Service SID"),
    )
    twilio_account_sid = forms.CharField(label=_("Twilio account SID"), max_length=64, required=False)
    twilio_auth_token = forms.CharField(
        label=_("Twilio auth token"),
        max_length=128,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the saved token"),
    )
    smsru_api_id = forms.CharField(
        label=_("SMS.ru api_id"),
        max_length=128,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the saved key"),
    )

    def __init__(self, *args: Any, instance_values: MessagingSettings, account_sid: str = "", **kwargs: Any) -> None:
        kwargs["initial"] = {
            "sms_provider": instance_values.sms_provider,
            "sender": instance_values.sms_sender_name,
            "twilio_account_sid": account_sid,  # an identifier, not a secret
        }
        super().__init__(*args, **kwargs)

    def credentials(self) -> dict[str, str]:
        """The credentials typed in, under the names the service stores them by."""
        return {
            "account_sid": self.cleaned_data.get("twilio_account_sid", "").strip(),
            "auth_token": self.cleaned_data.get("twilio_auth_token", "").strip(),
            "api_id": self.cleaned_data.get("smsru_api_id", "").strip(),
        }


class SmsCostForm(forms.Form):
    text = forms.CharField(label=_("Text"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

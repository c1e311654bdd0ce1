"""Forms of the Telegram pages: the bot token, and a campaign broadcast with its segment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loyalty.models import Level

MONTHS = [("", _("Any month"))] + [(str(number), str(number)) for number in range(1, 13)]


class BotTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Bot token from @BotFather"), max_length=100, widget=forms.PasswordInput(render_value=False)
    )


class BroadcastForm(forms.Form):
    text = forms.CharField(label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
    image_url = forms.URLField(label=_("Image link"), required=False, assume_scheme="https")
    button_text = forms.CharField(label=_("Button text"), max_length=64, required=False)
    button_url = forms.URLField(label=_("Button link"), required=False, assume_scheme="https")
    level = forms.ModelChoiceField(label=_("Level"), queryset=Level.objects.none(), required=False)
    tags = forms.CharField(label=_("Any of the tags (comma-separated)"), max_length=500, required=False)
    last_visit_from = forms.DateField(label=_("Last visit on or after"), required=False)
    last_visit_to = forms.DateField(label=_("Last visit on or before"), required=False)
    birthday_month = forms.TypedChoiceField(
        label=_("Birthday month"), choices=MONTHS, required=False, coerce=int, empty_value=None
    )
    send_at = forms.DateTimeField(label=_("Send at (empty: now)"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # passed through to Form
        self.fields["level"].queryset = Level.objects.order_by("threshold_amount")  # type: ignore[attr-defined]  # a model choice

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if bool(data.get("button_text")) != bool(data.get("button_url")):
            raise forms.ValidationError(_("A button needs both a text and a link."))
        return data

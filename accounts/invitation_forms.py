"""The invitee's form on the accept page: a new person chooses a name and password, an existing account gives its own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput())
    password_again = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput())

    def __init__(self, *args: Any, has_account: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_account = has_account
        if has_account:  # the account's own password proves the person; nothing to choose
            del self.fields["full_name"]
            del self.fields["password_again"]
            self.fields["password"].label = _("Your password")
            self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        else:
            self.fields["password"].label = _("Choose a password")
            self.fields["password"].widget.attrs["autocomplete"] = "new-password"
            self.fields["password_again"].widget.attrs["autocomplete"] = "new-password"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.has_account and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned

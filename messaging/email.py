"""The email channel's adapter: a guest's message as a two-part email, handed to the configured provider.

Django's mail API with the backend EMAIL_PROVIDER picks (console, SMTP, or django-anymail's SendGrid and Mailgun
backends). Every email has a text and an HTML part; marketing carries List-Unsubscribe (our signed https link) and
List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058), so mail clients offer a one-click unsubscribe. The
provider's answer becomes ProviderUnavailable (try again: 5xx, 429, no connection, SMTP 4xx) or ProviderRefused
(never again: other 4xx, SMTP 5xx, refused recipients). Tracking webhooks find the message by the id returned here.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
from dataclasses import dataclass
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any

import requests
from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import escape, linebreaks

from messaging.errors import ProviderRefused, ProviderUnavailable

ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str
    sender_name: str
    sender_address: str
    unsubscribe_url: str  # "" for transactional mail
    metadata: dict[str, str]  # travels with the message and comes back in the provider's tracking events


@dataclass(frozen=True)
class SentEmail:
    provider: str
    provider_message_id: str


def html_of_text(text: str) -> str:
    """An HTML part for a message written as plain text (paragraphs and line breaks kept, nothing interpreted)."""
    return linebreaks(escape(text))


def sender(name: str, address: str) -> str:
    """ "Name <address>" from the chain's sender, filling in the platform's address (DEFAULT_FROM_EMAIL)."""
    default_name, default_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((name or default_name, address or default_address))


def provider_name() -> str:
    backend = str(settings.EMAIL_BACKEND)
    for name, path in settings.EMAIL_PROVIDER_BACKENDS.items():
        if path == backend:
            return str(name)
    return backend.rsplit(".", 2)[-2] if "." in backend else backend


def open_email_connection() -> Any:
    """One connection to the provider for a batch of emails (anymail's HTTP session, one SMTP connection)."""
    connection = get_connection(fail_silently=False)
    # Not reached now: each email then opens its own connection and reports the failure as its own (send_email).
    with contextlib.suppress(smtplib.SMTPException, OSError):
        connection.open()
    _read_environment_once(connection)
    return connection


def _read_environment_once(connection: Any) -> None:
    """An HTTP provider's session (anymail's requests.Session) reads the proxy and CA bundle variables from the
    environment for every email it posts (requests' trust_env: a walk over os.environ, about a millisecond of a
    campaign message's CPU); a batch's connection reads them once, to the same effect, and stops looking."""
    session, api_url = getattr(connection, "session", None), getattr(connection, "api_url", None)
    if not isinstance(session, requests.Session) or not session.trust_env or not api_url:
        return
    session.proxies.update(requests.utils.get_environ_proxies(api_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False


def close_email_connection(connection: Any) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):  # the batch's emails are handed over already
        connection.close()


def build_email(outgoing: OutgoingEmail, connection: Any = None) -> EmailMultiAlternatives:
    from_email = sender(outgoing.sender_name, outgoing.sender_address)
    domain = parseaddr(from_email)[1].rpartition("@")[2] or None
    headers = {"Message-ID": make_msgid(domain=domain)}
    if outgoing.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = ONE_CLICK
    email = EmailMultiAlternatives(
        subject=outgoing.subject,
        body=outgoing.text,
        from_email=from_email,
        to=[outgoing.to],
        headers=headers,
        connection=connection or get_connection(fail_silently=False),
    )
    email.attach_alternative(outgoing.html or html_of_text(outgoing.text), "text/html")
    email.metadata = outgoing.metadata  # type: ignore[attr-defined]  # anymail's extension of EmailMessage
    return email


def _status_code(error: AnymailError) -> int | None:
    code = getattr(error, "status_code", None)
    return int(code) if code else None


def send_email(outgoing: OutgoingEmail, connection: Any = None) -> SentEmail:
    """Hand one email to the provider, through `connection` when a batch opened one (open_email_connection); the id
    its tracking events will name (ours for SMTP and the console)."""
    email = build_email(outgoing, connection)
    try:
        email.send()
    except AnymailRecipientsRefused as error:
        raise ProviderRefused(str(error)) from error
    except AnymailAPIError as error:
        status = _status_code(error)
        if status is None or status >= 500 or status == 429:
            raise ProviderUnavailable(f"{status or 'no answer'}: {error}") from error
        raise ProviderRefused(f"{status}: {error}") from error
    except smtplib.SMTPRecipientsRefused as error:
        raise ProviderRefused(f"SMTP refused the recipient: {error.recipients}") from error
    except smtplib.SMTPResponseException as error:
        text = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
        if 400 <= error.smtp_code < 500:
            raise ProviderUnavailable(text) from error
        raise ProviderRefused(text) from error
    except (smtplib.SMTPException, OSError) as error:
        raise ProviderUnavailable(f"SMTP: {error}") from error
    status = getattr(email, "anymail_status", None)
    provider_id = getattr(status, "message_id", None) if status is not None else None
    return SentEmail(
        provider=provider_name(), provider_message_id=str(provider_id or email.extra_headers["Message-ID"])
    )

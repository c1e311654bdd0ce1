"""Where the email providers' tracking webhooks arrive: anymail's own views, on each chain's host.

Mounted under the chain's host (https://<chain>.<platform>/messaging/webhooks/<provider>/tracking/), so the request
runs in that chain's schema like every other request of it: an event can only find, and change, messages of that
chain. Each message also carries its chain in the provider's metadata, and an event whose metadata names another
chain is ignored (messaging.services.record_email_event), so a webhook address copied to the wrong chain changes
nothing. The other design, one platform-wide URL routing by that metadata, would put a schema switch inside the
handler and let one bad payload address any chain; per-chain URLs need no routing at all. (Mailgun configures
webhooks per sending domain, SendGrid per account or subuser: both can point at the chain's host.)

Authentication is anymail's: ANYMAIL["WEBHOOK_SECRET"] ("user:password" in the URL, HTTP basic auth) for every
provider, plus Mailgun's HMAC-SHA256 signature of timestamp + token with MAILGUN_WEBHOOK_SIGNING_KEY; anymail
answers 400 to a wrong signature and 401 to wrong credentials. A provider that is not configured (no Mailgun
signing key) answers 404 rather than failing on its missing setting.
"""

from __future__ import annotations

from typing import Any

from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

_sendgrid_view = SendGridTrackingWebhookView.as_view()
_mailgun_view = MailgunTrackingWebhookView.as_view()


def _configured(*keys: str) -> bool:
    anymail: dict[str, Any] = getattr(settings, "ANYMAIL", {})
    return all(anymail.get(key) for key in keys)


@csrf_exempt
def sendgrid_tracking(request: HttpRequest) -> HttpResponse:
    if not _configured("WEBHOOK_SECRET"):
        raise Http404
    response: HttpResponse = _sendgrid_view(request)
    return response


@csrf_exempt
def mailgun_tracking(request: HttpRequest) -> HttpResponse:
    if not _configured("WEBHOOK_SECRET", "MAILGUN_WEBHOOK_SIGNING_KEY"):
        raise Http404
    response: HttpResponse = _mailgun_view(request)
    return response

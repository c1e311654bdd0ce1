"""Where the SMS providers call back, on the chain's host: Twilio's delivery statuses and inbound replies (STOP),
SMS.ru's delivery statuses.

No user signs in and no CSRF token comes with them: each proves itself to the chain's provider (Twilio's
X-Twilio-Signature over the exact URL, SMS.ru's secret `?token=`; docs/sms-providers.md) or is refused with 403.
Mounted per chain host, each runs in that chain's schema and can only change its messages and guests. A chain whose
provider is another one (or none) answers 404.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from maxloyalty.errors import DomainError, NotFound, error_body
from messaging.models import MessagingSettings
from messaging.sms.providers import ProviderName, SmsConfigInvalid, SmsProvider
from messaging.sms_services import chain_provider, opt_out_numbers, record_sms_statuses


def _provider(name: ProviderName) -> SmsProvider:
    row = MessagingSettings.objects.filter(pk=1).first()  # read, never made: a refused callback writes nothing
    if row is None:
        raise NotFound()
    try:
        provider = chain_provider(row)
    except SmsConfigInvalid:
        raise NotFound() from None
    if provider.name != name:
        raise NotFound()
    return provider


def _refused(error: DomainError) -> JsonResponse:
    return JsonResponse(error_body(error.code, error.message, error.fields), status=error.status)


def _callback(request: HttpRequest, name: ProviderName, *, inbound: bool = False) -> HttpResponse:
    try:
        provider = _provider(name)
        method = request.method or "POST"
        url = request.build_absolute_uri()
        params = request.POST if method == "POST" else request.GET
        if inbound:
            opt_out_numbers(provider.stop_replies(method=method, url=url, params=params, headers=request.headers))
        else:
            record_sms_statuses(provider.status_update(method=method, url=url, params=params, headers=request.headers))
    except DomainError as error:  # InvalidCallbackSignature: 403; no such provider here: 404
        return _refused(error)
    reply = provider.callback_reply
    return HttpResponse(reply.body, content_type=reply.content_type)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def twilio_status(request: HttpRequest) -> HttpResponse:
    return _callback(request, ProviderName.TWILIO)


@csrf_exempt
@require_http_methods(["POST"])
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    return _callback(request, ProviderName.TWILIO, inbound=True)


@csrf_exempt
@require_http_methods(["POST"])
def smsru_status(request: HttpRequest) -> HttpResponse:
    return _callback(request, ProviderName.SMSRU)

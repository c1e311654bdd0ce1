"""The campaigns' pages: the list, the form (with a preview of each text filled with a sample guest's values), and
a campaign's page with its progress while it sends (htmx, polled) and its results. Who may is campaigns.selectors'
rule; the writes are campaigns.services', the results campaigns.results'."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.requests import StaffRequest
from campaigns.forms import CampaignForm
from campaigns.models import Campaign, CampaignStatus
from campaigns.results import campaign_results
from campaigns.selectors import (
    access_campaign,
    campaign_progress,
    require_segment_access,
    visible_campaigns,
    visible_segments,
)
from campaigns.services import (
    CAMPAIGN_KIND,
    TEXT_FIELDS,
    cancel_campaign,
    create_campaign,
    send_campaign,
    update_campaign,
)
from maxloyalty.errors import DomainError
from messaging.templating import render_text, sample_context, variables_of

member_page = permission_required_page(None)
LIST_SIZE = 100


def _access(request: StaffRequest) -> ChainAccess:
    return require_segment_access(access_for(request))


@member_page
@require_GET
def campaign_list(request: StaffRequest) -> HttpResponse:
    campaigns = visible_campaigns(_access(request))[:LIST_SIZE]
    return render(request, "campaigns/campaigns.html", {"campaigns": campaigns})


def _form_page(request: StaffRequest, form: CampaignForm, campaign: Campaign | None) -> HttpResponse:
    context = {"form": form, "campaign": campaign, "variables": variables_of(CAMPAIGN_KIND)}
    return render(request, "campaigns/campaign_form.html", context, status=422 if form.errors else 200)


@member_page
@require_http_methods(["GET", "POST"])
def campaign_create(request: StaffRequest) -> HttpResponse:
    access = _access(request)
    form = CampaignForm(request.POST if request.method == "POST" else None, segments=visible_segments(access))
    if request.method == "POST" and form.is_valid():
        try:
            campaign = create_campaign(access=access, **form.campaign_fields())
        except DomainError as error:
            form.add_refusal(error)
        else:
            messages.success(request, _("Campaign “%(name)s” saved as a draft.") % {"name": campaign.name})
            return redirect("campaigns-pages:campaign-detail", campaign_id=campaign.pk)
    return _form_page(request, form, None)


@member_page
@require_http_methods(["GET", "POST"])
def campaign_edit(request: StaffRequest, campaign_id: int) -> HttpResponse:
    access = _access(request)
    campaign = access_campaign(access=access, campaign_id=campaign_id)
    posted = request.POST if request.method == "POST" else None
    form = CampaignForm(posted, segments=visible_segments(access), campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            update_campaign(access=access, campaign=campaign, changes=form.campaign_fields())
        except DomainError as error:
            form.add_refusal(error)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("campaigns-pages:campaign-detail", campaign_id=campaign_id)
    return _form_page(request, form, campaign)


@member_page
@require_GET
def campaign_text_preview(request: StaffRequest) -> HttpResponse:
    """Each text of the form being written, filled with a sample guest's values (htmx, as the texts change)."""
    _access(request)
    context = sample_context(CAMPAIGN_KIND, chain_name=request.tenant.name)
    texts = [
        (CampaignForm.base_fields[field].label, render_text(request.GET.get(field, ""), context))
        for field in TEXT_FIELDS
        if field != "email_html" and request.GET.get(field, "").strip()
    ]
    return render(request, "campaigns/_campaign_text_preview.html", {"texts": texts})


def _detail_context(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign": campaign,
        "progress": campaign_progress(campaign),
        "is_sending": campaign.status == CampaignStatus.SENDING,
        "is_editable": campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED),
    }


@member_page
@require_GET
def campaign_detail(request: StaffRequest, campaign_id: int) -> HttpResponse:
    campaign = access_campaign(access=_access(request), campaign_id=campaign_id)
    context = {**_detail_context(campaign), "results": campaign_results(campaign)}
    return render(request, "campaigns/campaign_detail.html", context)


@member_page
@require_GET
def campaign_progress_part(request: StaffRequest, campaign_id: int) -> HttpResponse:
    campaign = access_campaign(access=_access(request), campaign_id=campaign_id)
    return render(request, "campaigns/_campaign_progress.html", _detail_context(campaign))


@member_page
@require_POST
def campaign_send(request: StaffRequest, campaign_id: int) -> HttpResponse:
    access = _access(request)
    campaign = access_campaign(access=access, campaign_id=campaign_id)
    try:
        campaign = send_campaign(access=access, campaign=campaign)
    except DomainError as error:
        fields = "; ".join(f"{', '.join(map(str, texts))}" for texts in error.fields.values())
        messages.error(request, f"{error.message} {fields}".strip())
    else:
        sent = campaign.status == CampaignStatus.SENDING
        messages.success(request, _("Sending has started.") if sent else _("The campaign is scheduled."))
    return redirect("campaigns-pages:campaign-detail", campaign_id=campaign_id)


@member_page
@require_POST
def campaign_cancel(request: StaffRequest, campaign_id: int) -> HttpResponse:
    access = _access(request)
    campaign = access_campaign(access=access, campaign_id=campaign_id)
    try:
        cancel_campaign(access=access, campaign=campaign)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The campaign is cancelled."))
    return redirect("campaigns-pages:campaign-detail", campaign_id=campaign_id)

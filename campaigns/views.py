"""The saved segments' pages: the list (each segment's count fetched beside it, so a long list opens at once), the form with a live count and preview (htmx,
re-asked as the filters change), deletion behind a confirmation, and the chain's switch that lets managers build
segments. Who may do what is campaigns.selectors' rule; the writes are campaigns.services'."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.roles import Permission
from campaigns.forms import SegmentForm
from campaigns.models import Segment
from campaigns.selectors import (
    access_segment,
    managers_may_use_segments,
    may_change_segment,
    require_segment_access,
    segment_preview,
    segment_size,
    visible_segments,
)
from campaigns.services import create_segment, delete_segment, set_managers_may_use_segments, update_segment
from maxloyalty.errors import DomainError

# Signed-in members of the chain; who among them may use segments is asked of campaigns.selectors by every view.
member_page = permission_required_page(None)


def _access(request: StaffRequest) -> ChainAccess:
    return require_segment_access(access_for(request))


def _posted(request: StaffRequest) -> Any:
    return request.POST if request.method == "POST" else None


@member_page
@require_GET
def segment_list(request: StaffRequest) -> HttpResponse:
    access = _access(request)
    rows = [
        {"segment": segment, "can_change": may_change_segment(access, segment)} for segment in visible_segments(access)
    ]
    context = {"rows": rows, "managers_allowed": managers_may_use_segments()}
    return render(request, "campaigns/segments.html", context)


@member_page
@require_GET
def segment_count_part(request: StaffRequest, segment_id: int) -> HttpResponse:
    """One segment's count on the list, asked for by the list's row as it loads (htmx; without it the row links to
    the segment's page, whose preview counts)."""
    access = _access(request)
    segment = access_segment(access=access, segment_id=segment_id)
    return render(
        request, "campaigns/_segment_count.html", {"segment": segment, "count": segment_size(segment, access)}
    )


def _form_page(request: StaffRequest, form: SegmentForm, segment: Segment | None, *, can_change: bool) -> HttpResponse:
    status = 422 if form.errors else 200
    return render(
        request,
        "campaigns/segment_form.html",
        {"form": form, "segment": segment, "can_change": can_change},
        status=status,
    )


@member_page
@require_http_methods(["GET", "POST"])
def segment_create(request: StaffRequest) -> HttpResponse:
    access = _access(request)
    form = SegmentForm(_posted(request), access=access)
    if request.method == "POST" and form.is_valid():
        try:
            segment = create_segment(access=access, **form.segment_fields())
        except DomainError as error:
            form.add_refusal(error)
        else:
            messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
            return redirect("campaigns:segment-edit", segment_id=segment.pk)
    return _form_page(request, form, None, can_change=True)


@member_page
@require_http_methods(["GET", "POST"])
def segment_edit(request: StaffRequest, segment_id: int) -> HttpResponse:
    access = _access(request)
    segment = access_segment(access=access, segment_id=segment_id)
    form = SegmentForm(_posted(request), access=access, segment=segment)
    if request.method == "POST" and form.is_valid():
        try:
            update_segment(access=access, segment=segment, changes=form.segment_fields())
        except DomainError as error:
            form.add_refusal(error)
        else:
            messages.success(request, _("Segment saved."))
            return redirect("campaigns:segment-edit", segment_id=segment_id)
    return _form_page(request, form, segment, can_change=may_change_segment(access, segment))


@member_page
@require_http_methods(["GET", "POST"])
def segment_delete(request: StaffRequest, segment_id: int) -> HttpResponse:
    access = _access(request)
    segment = access_segment(access=access, segment_id=segment_id)
    if request.method == "POST":
        try:
            delete_segment(access=access, segment=segment)
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("campaigns:segment-edit", segment_id=segment_id)
        messages.success(request, _("Segment “%(name)s” deleted.") % {"name": segment.name})
        return redirect("campaigns:segment-list")
    return render(request, "campaigns/segment_confirm_delete.html", {"segment": segment})


@member_page
@require_GET
def segment_preview_part(request: StaffRequest) -> HttpResponse:
    """The live count and first members of the filters being edited (the form's fields as query parameters)."""
    access = _access(request)
    form = SegmentForm(request.GET, access=access)
    form.fields["name"].required = False  # the preview needs only the filters
    context: dict[str, Any] = {"form": form, "preview": None}
    if form.is_valid():
        try:
            context["preview"] = segment_preview(form.filters(), access)
        except DomainError as error:
            form.add_refusal(error)
    template = "campaigns/_segment_preview.html" if request.htmx else "campaigns/segment_preview.html"
    return render(request, template, context)


@permission_required_page(Permission.MANAGE_SETTINGS)
@require_POST
def segment_settings(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    allowed = request.POST.get("managers_may_use_segments") == "on"
    set_managers_may_use_segments(access=access, allowed=allowed)
    messages.success(
        request,
        _("Managers may now build segments of their restaurants' guests.")
        if allowed
        else _("Only owners and admins build segments now."),
    )
    return redirect("campaigns:segment-list")

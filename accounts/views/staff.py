"""Staff pages: the chain's people, invite by email, change role and restaurants, deactivate (owners and admins)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access_for, assigned_restaurant_ids, permission_required_page
from accounts.forms import StaffForm
from accounts.models import Membership
from accounts.roles import ASSIGNABLE_ROLES, Permission
from accounts.selectors import staff_of_chain
from accounts.services import change_staff, invite_staff, set_staff_active
from maxloyalty.errors import DomainError, domain_errors_into


@permission_required_page(Permission.MANAGE_STAFF)
def staff_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    return render(
        request,
        "accounts/staff_list.html",
        {"staff": staff_of_chain(chain_id=request.tenant.id), "assignable": ASSIGNABLE_ROLES[access.role]},  # type: ignore[attr-defined]
    )


@permission_required_page(Permission.MANAGE_STAFF)
@require_http_methods(["GET", "POST"])
def staff_invite(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    form = StaffForm(request.POST or None, assignable_roles=ASSIGNABLE_ROLES[access.role])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with domain_errors_into(form):
            invite_staff(
                chain=request.tenant,  # type: ignore[attr-defined]
                email=data["email"],
                full_name=data["full_name"],
                role=data["role"],
                restaurants=data["restaurants"],
                actor=access.user,
                actor_role=access.role,
            )
        if not form.errors:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": data["email"]})
            return redirect("staff:list")
    return render(
        request, "accounts/staff_form.html", {"form": form, "editing": False}, status=422 if form.errors else 200
    )


@permission_required_page(Permission.MANAGE_STAFF)
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, chain_id=request.tenant.id
    )  # type: ignore[attr-defined]
    initial = {
        "email": membership.user.email,
        "full_name": membership.user.full_name,
        "role": membership.role,
        "restaurants": sorted(assigned_restaurant_ids(membership.user)),
    }
    form = StaffForm(
        request.POST or None, initial=initial, assignable_roles=ASSIGNABLE_ROLES[access.role], editing=True
    )
    if request.method == "POST" and form.is_valid():
        with domain_errors_into(form):
            change_staff(
                membership=membership,
                role=form.cleaned_data["role"],
                restaurants=form.cleaned_data["restaurants"],
                actor=access.user,
                actor_role=access.role,
            )
        if not form.errors:
            messages.success(request, _("Saved."))
            return redirect("staff:list")
    context = {"form": form, "editing": True, "membership": membership}
    return render(request, "accounts/staff_form.html", context, status=422 if form.errors else 200)


@permission_required_page(Permission.MANAGE_STAFF)
@require_POST
def staff_set_active(request: HttpRequest, membership_id: int) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    membership = get_object_or_404(Membership, pk=membership_id, chain_id=request.tenant.id)  # type: ignore[attr-defined]
    activate = request.POST.get("active") == "1"
    try:
        set_staff_active(membership=membership, is_active=activate, actor=access.user, actor_role=access.role)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Access restored.") if activate else _("Access removed."))
    return redirect("staff:list")

"""Staff pages: the chain's people and open invitations, invite by email, resend or withdraw an invitation, change
role and restaurants, deactivate (owners and admins); the invitee's accept page (anyone holding the link)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access_for, assigned_restaurant_ids, forget_access, home_path_for, permission_required_page
from accounts.forms import StaffForm
from accounts.invitation_forms import InvitationAcceptForm
from accounts.invitations import (
    accept_invitation,
    invite_staff,
    invitee_has_account,
    open_invitation_for_token,
    resend_invitation,
    revoke_invitation,
)
from accounts.models import Membership, StaffInvitation
from accounts.requests import ChainRequest, StaffRequest
from accounts.roles import ASSIGNABLE_ROLES, Permission
from accounts.selectors import open_invitations_of_chain, staff_of_chain
from accounts.services import change_staff, set_staff_active
from maxloyalty.client_ip import client_ip
from maxloyalty.errors import DomainError, add_domain_error, domain_errors_into


@permission_required_page(Permission.MANAGE_STAFF)
def staff_list(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    return render(
        request,
        "accounts/staff_list.html",
        {
            "staff": staff_of_chain(chain_id=request.tenant.id),
            "invitations": open_invitations_of_chain(chain_id=request.tenant.id),
            "assignable": ASSIGNABLE_ROLES[access.role],
        },
    )


@permission_required_page(Permission.MANAGE_STAFF)
@require_http_methods(["GET", "POST"])
def staff_invite(request: StaffRequest) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    form = StaffForm(request.POST or None, assignable_roles=ASSIGNABLE_ROLES[access.role])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with domain_errors_into(form):
            invite_staff(
                chain=request.tenant,
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
def staff_edit(request: StaffRequest, membership_id: int) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, chain_id=request.tenant.id
    )
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
def staff_set_active(request: StaffRequest, membership_id: int) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    membership = get_object_or_404(Membership, pk=membership_id, chain_id=request.tenant.id)
    activate = request.POST.get("active") == "1"
    try:
        set_staff_active(membership=membership, is_active=activate, actor=access.user, actor_role=access.role)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Access restored.") if activate else _("Access removed."))
    return redirect("staff:list")


def _chain_invitation(request: ChainRequest, invitation_id: int) -> StaffInvitation:
    return get_object_or_404(StaffInvitation, pk=invitation_id, chain_id=request.tenant.id)


@permission_required_page(Permission.MANAGE_STAFF)
@require_POST
def invitation_resend(request: StaffRequest, invitation_id: int) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    invitation = _chain_invitation(request, invitation_id)
    try:
        resend_invitation(invitation=invitation, actor=access.user, actor_role=access.role)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("staff:list")


@permission_required_page(Permission.MANAGE_STAFF)
@require_POST
def invitation_revoke(request: StaffRequest, invitation_id: int) -> HttpResponse:
    access = access_for(request)
    assert access is not None
    invitation = _chain_invitation(request, invitation_id)
    try:
        revoke_invitation(invitation=invitation, actor=access.user, actor_role=access.role)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("staff:list")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: ChainRequest) -> HttpResponse:
    """The emailed link: the invitee's own password turns the invitation into access to this chain."""
    token = request.GET.get("token", "")
    chain = request.tenant
    try:
        invitation = open_invitation_for_token(token=token, chain=chain)
    except DomainError as error:
        return render(request, "accounts/invitation_invalid.html", {"error": error}, status=error.status)
    has_account = invitee_has_account(invitation)
    form = InvitationAcceptForm(request.POST or None, has_account=has_account)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user, _membership = accept_invitation(
                token=token,
                chain=chain,
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data.get("full_name", ""),
                client_address=client_ip(request),
            )
        except DomainError as error:
            if error.status == 410 or error.code == "invitation_invalid":
                return render(request, "accounts/invitation_invalid.html", {"error": error}, status=error.status)
            add_domain_error(form, error)
            status = error.status if error.status == 429 else 422
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            forget_access(request)
            messages.success(request, _("Welcome to %(chain)s.") % {"chain": chain.name})
            return redirect(home_path_for(access_for(request)))
    if form.errors and status == 200:
        status = 422
    context = {"form": form, "invitation": invitation, "has_account": has_account}
    return render(request, "accounts/invitation_accept.html", context, status=status)

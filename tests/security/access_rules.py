"""Who may open each URL, read from the guards themselves: the access matrix's source of expectations.

A page guarded by @permission_required_page(P) (or @login_required) and an API view with HasChainPermission and
`required_permission` carry their rule in production code; this module reads it from there (so the rule lives once). The doors that no
role map guards (sign-in, webhooks, the Telegram Mini App, the platform admin) are declared in SPECIAL_DOORS below.
A URL with neither has no rule, and tests/security/test_access_matrix.py fails until it gets one.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from accounts.api.permissions import HasChainPermission
from accounts.roles import Permission

PUBLIC = "public"  # anyone, signed in or not (the view itself decides what to show)
AUTHENTICATED = "authenticated"  # any signed-in user, whatever their chain (login_required)
MEMBER = "member"  # any active member of the host's chain, whatever the role
GUEST_TOKEN = "guest-token"  # a Telegram Mini App's signed initData; staff credentials open nothing
WEBHOOK_SIGNATURE = "webhook-signature"  # a POS, Telegram or payment provider's signature or secret
PLATFORM_STAFF = "platform-staff"  # Django admin: platform staff only (is_staff), never a chain's member

Rule = Permission | str

# Doors without a role-map guard, by URL name (or route when unnamed): the only table of rules.
SPECIAL_DOORS: dict[str, Rule] = {
    "home": PUBLIC,  # redirects members to their page and everyone else to sign-in
    "landing": PUBLIC,
    "signup": PUBLIC,
    "signup-sent": PUBLIC,
    "signup-resend": PUBLIC,
    "signup-confirm": PUBLIC,  # the emailed token decides
    "admin:login": PUBLIC,  # the admin's own sign-in page; every other admin URL is for platform staff
    "admin:logout": PUBLIC,
    "set_language": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:logout": PUBLIC,  # signs out whoever calls it
    "accounts:handoff": PUBLIC,  # a signed, one-time token from the platform host decides
    "accounts:password-change": AUTHENTICATED,
    "accounts:password-change-done": AUTHENTICATED,
    "accounts:password-reset": PUBLIC,
    "accounts:password-reset-sent": PUBLIC,
    "accounts:password-reset-confirm": PUBLIC,  # the emailed token decides
    "accounts:password-reset-complete": PUBLIC,
    "staff:invitation-accept": PUBLIC,  # the emailed invitation token decides
    "auth-api:login": PUBLIC,
    "auth-api:refresh": PUBLIC,  # the refresh token decides
    "auth-api:logout": PUBLIC,
    "auth-api:me": MEMBER,
    "api-schema": PUBLIC,
    "api-docs": PUBLIC,
    "^api/": PUBLIC,  # unknown API paths: the JSON 404
    "telegram:mini-app": PUBLIC,  # the Mini App's shell; its data comes from the guest-token API below
    "chain-logo": PUBLIC,  # the chain's current logo (its random name in the address), for the Mini App and the bot
    "telegram:webhook": WEBHOOK_SIGNATURE,
    "messaging:unsubscribe": PUBLIC,  # the signed link in a guest's email decides
    "feedback:rate": PUBLIC,  # the signed link in a guest's feedback request decides
    # Apple's PassKit web service: the card's own token ("ApplePass <token>") decides; the device's list of changed
    # serials and its log are open by Apple's protocol (they name no guest).
    "wallet:apple-registration": WEBHOOK_SIGNATURE,
    "wallet:apple-pass": WEBHOOK_SIGNATURE,
    "wallet:apple-serials": PUBLIC,
    "wallet:apple-log": PUBLIC,
    "wallet:add": PUBLIC,  # the signed "add to wallet" link in a guest's email or bot decides
    "wallet:add-apple": PUBLIC,
    "wallet:add-google": PUBLIC,
    "messaging:sendgrid-tracking": WEBHOOK_SIGNATURE,
    "messaging:mailgun-tracking": WEBHOOK_SIGNATURE,
    "messaging:sms-twilio-status": WEBHOOK_SIGNATURE,
    "messaging:sms-twilio-inbound": WEBHOOK_SIGNATURE,
    "messaging:sms-smsru-status": WEBHOOK_SIGNATURE,
    "telegram_bot-api:mini-app-profile": GUEST_TOKEN,
    "telegram_bot-api:mini-app-history": GUEST_TOKEN,
    "telegram_bot-api:mini-app-promos": GUEST_TOKEN,
    "telegram_bot-api:mini-app-restaurants": GUEST_TOKEN,
    "telegram_bot-api:mini-app-receipt-claims": GUEST_TOKEN,
    "pos-api:webhook-receive": WEBHOOK_SIGNATURE,
    "pos-api:iiko-webhook-receive": WEBHOOK_SIGNATURE,
    "pos-api:rkeeper-notification-receive": WEBHOOK_SIGNATURE,
    "billing-webhooks:stripe": WEBHOOK_SIGNATURE,
    "billing-webhooks:yookassa": WEBHOOK_SIGNATURE,
    # Saved segments: owners and admins; managers too once their chain allows it (campaigns.selectors, asked by
    # every one of these views), which the seeded chains leave at its default: not allowed.
    **dict.fromkeys(
        (
            "campaigns:segment-list",
            "campaigns:segment-create",
            "campaigns:segment-preview",
            "campaigns:segment-edit",
            "campaigns:segment-count",
            "campaigns:segment-delete",
            "campaigns-api:segment-list",
            "campaigns-api:segment-detail",
            "campaigns-api:segment-preview",
            # Campaigns follow segments' rule (a manager, once allowed, only their own campaigns).
            "campaigns-pages:campaign-list",
            "campaigns-pages:campaign-create",
            "campaigns-pages:campaign-preview",
            "campaigns-pages:campaign-detail",
            "campaigns-pages:campaign-edit",
            "campaigns-pages:campaign-progress",
            "campaigns-pages:campaign-send",
            "campaigns-pages:campaign-cancel",
            "campaigns-api:campaign-list",
            "campaigns-api:campaign-detail",
            "campaigns-api:campaign-send",
            "campaigns-api:campaign-results",
        ),
        Permission.MANAGE_SEGMENTS,
    ),
}
# Whole namespaces behind one guard: the admin site wraps every view in admin_view (is_staff).
NAMESPACE_DOORS: dict[str, Rule] = {"admin": PLATFORM_STAFF}

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Door:
    """One URL pattern of a URL conf: its name, route, view and the HTTP methods the view answers."""

    urlconf: str
    name: str  # namespaced URL name, or the route when the pattern has none
    route: str
    callback: Callable[..., Any]
    params: tuple[str, ...]

    @property
    def namespace(self) -> str:
        return self.name.split(":", 1)[0] if ":" in self.name else ""

    @property
    def view_class(self) -> type | None:
        return getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None)

    @property
    def methods(self) -> tuple[str, ...]:
        """GET always (a method the view refuses must be refused for everyone), plus every write it accepts."""
        view_class = self.view_class
        if view_class is not None:
            accepted = [method for method in WRITE_METHODS if hasattr(view_class, method.lower())]
        else:
            listed = _closure_value(self.callback, "request_method_list")
            accepted = [method for method in WRITE_METHODS if method in listed] if listed else ["POST"]
        return ("GET", *accepted)


def doors(urlconf: str) -> Iterator[Door]:
    yield from _walk(get_resolver(urlconf), urlconf, "", "")


def _walk(resolver: URLResolver, urlconf: str, prefix: str, namespace: str) -> Iterator[Door]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from _walk(pattern, urlconf, prefix + str(pattern.pattern), inner or namespace)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name or route
            if namespace and not pattern.name:
                name = f"{namespace}:{route}"
            params = tuple(pattern.pattern.regex.groupindex)
            yield Door(urlconf, name, route, pattern.callback, params)


def _closure_value(function: Callable[..., Any], name: str) -> Any:
    """A value a decorator closed over, found anywhere down the __wrapped__ chain (None when no decorator has it)."""
    current: Any = function
    while current is not None:
        try:
            values = inspect.getclosurevars(current).nonlocals
        except TypeError:
            values = {}
        if name in values:
            return values[name]
        current = getattr(current, "__wrapped__", None)
    return None


def _page_permission(function: Callable[..., Any]) -> tuple[bool, Permission | None]:
    """(guarded, permission) of a page view behind accounts.access.permission_required_page."""
    current: Any = function
    while current is not None:
        if current.__code__.co_qualname.startswith("permission_required_page.<locals>"):  # wraps() renames __qualname__
            return True, inspect.getclosurevars(current).nonlocals["permission"]
        current = getattr(current, "__wrapped__", None)
    return False, None


_NO_RULE = object()


def rules_of(door: Door) -> dict[str, Rule] | None:
    """The rule per HTTP method of a door, or None when it has none (neither a guard nor a declared rule)."""
    declared = SPECIAL_DOORS.get(door.name, NAMESPACE_DOORS.get(door.namespace))
    if declared is not None:
        return dict.fromkeys(door.methods, declared)
    view_class = door.view_class
    if view_class is not None:
        if HasChainPermission not in getattr(view_class, "permission_classes", ()):
            return None
        required = view_class.__dict__.get("required_permission", _NO_RULE)
        for base in view_class.__mro__[1:]:
            if required is not _NO_RULE:
                break
            required = base.__dict__.get("required_permission", _NO_RULE)
        if required is _NO_RULE:
            return None  # HasChainPermission without a declared permission lets any member in: say so explicitly
        if isinstance(required, dict):
            if any(method not in required for method in door.methods if hasattr(view_class, method.lower())):
                return None
            return {method: required.get(method) or MEMBER for method in door.methods}
        return dict.fromkeys(door.methods, required or MEMBER)
    guarded, permission = _page_permission(door.callback)
    if guarded:
        return dict.fromkeys(door.methods, permission or MEMBER)
    if _behind_login_required(door.callback):
        return dict.fromkeys(door.methods, AUTHENTICATED)
    return None


def _behind_login_required(function: Callable[..., Any]) -> bool:
    """Whether django.contrib.auth's @login_required guards the view (its test is the is_authenticated check)."""
    test = _closure_value(function, "test_func")
    return test is not None and test.__code__.co_qualname.startswith("login_required.<locals>")

"""The request types of chain pages, as the middleware leaves them: views annotate `request` with these instead
of reaching for attributes Django's `HttpRequest` does not declare.

`ChainRequest`: a request to a chain's host (django-tenants' middleware set `tenant`, django-htmx set `htmx`).
`StaffRequest`: the same behind a sign-in guard (`permission_required_page`, `login_required`): `user` is a `User`.
`SignedInRequest`: any host's request behind `login_required`.
`StaffApiRequest`: a DRF request its view's authentication and permission classes let in: `user` is a `User`.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

from accounts.models import User
from tenants.models import Chain


class ChainRequest(HttpRequest):
    tenant: Chain
    htmx: HtmxDetails


class SignedInRequest(HttpRequest):
    user: User  # narrowed: login_required refused anonymous requests


class StaffRequest(ChainRequest):
    user: User  # narrowed: the view's guard refused anonymous requests


class StaffApiRequest(Request):
    user: User  # narrowed (an annotation only: DRF's property still answers): anonymous callers were refused

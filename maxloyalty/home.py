"""The root of a chain's host: members go to their home page, everyone else to sign-in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.access import access_for, home_path_for


def chain_home(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    if access is None:
        return redirect("accounts:login")
    return redirect(home_path_for(access))

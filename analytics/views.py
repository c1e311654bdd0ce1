"""The dashboard, the analytics page, per-metric CSV exports and the report download."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import ChainAccess, access_for, permission_required_page
from accounts.requests import StaffRequest
from accounts.restaurant_choice import with_chosen_restaurant
from accounts.roles import Permission
from analytics.figure_snapshots import analytics_to_show, current_analytics, dashboard_to_show
from analytics.forms import AnalyticsFilterForm
from analytics.liability import InvalidMonth, monthly_statement, parse_statement_months
from analytics.liability_snapshots import liability_to_show, request_liability_refresh
from analytics.metrics import Period
from analytics.periods import chain_time_zone, month_of, next_month
from analytics.reports import report_tables, statement_table, table_by_slug, tables_as_csv, tables_as_xlsx
from analytics.rollups import refresh_dirty_days
from analytics.selectors import scoped_period, visible_restaurants
from feedback.selectors import ratings_by_restaurant
from onboarding.selectors import setup_checklist
from restaurants.models import Restaurant, RestaurantStatus


def _access(request: HttpRequest) -> ChainAccess:
    access = access_for(request)
    assert access is not None  # the decorator let the request in
    return access


def _filtered(request: HttpRequest) -> tuple[AnalyticsFilterForm, Period]:
    """The period and restaurant asked for in the URL; without ?restaurant= the one chosen in the layout's switcher."""
    access = _access(request)
    data = with_chosen_restaurant(request, access, "restaurant")
    # Bound only to what the URL asked; the first view shows the default period's dates in the form instead.
    form = AnalyticsFilterForm(data if request.GET else None, restaurants=visible_restaurants(access))
    values: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # a field in error (e.g. someone else's restaurant) falls back to its default
        values = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}
    restaurant_id = values.get("restaurant") if form.is_bound else _as_id(data.get("restaurant"))
    period = scoped_period(access=access, start=values.get("start"), end=values.get("end"), restaurant_id=restaurant_id)
    if not form.is_bound:
        form.initial = {"start": period.start, "end": period.end, "restaurant": restaurant_id}
    return form, period


def _as_id(value: str | None) -> int | None:
    return int(value) if value else None


def _dashboard_restaurant(request: HttpRequest, access: ChainAccess, restaurants: list[Restaurant]) -> int | None:
    """The URL's or the switcher's restaurant when it is one of the viewer's (empty or anything else: all)."""
    wanted = with_chosen_restaurant(request, access, "restaurant").get("restaurant")
    return next((restaurant.pk for restaurant in restaurants if str(restaurant.pk) == wanted), None)


def _chart_data(data: dict[str, Any]) -> dict[str, Any]:
    series = data["series"]
    return {
        "days": [row["day"].isoformat() for row in series],
        "new_guests": [row["new_guests"] for row in series],
        "visits": [row["visits"] for row in series],
        "loyalty_revenue": [str(row["loyalty_revenue_amount"]) for row in series],
        "other_revenue": [str(row["other_revenue_amount"]) for row in series],
        "points_issued": [row["points_issued"] for row in series],
        "points_redeemed": [row["points_redeemed"] for row in series],
        "points_expired": [row["points_expired"] for row in series],
        "liability": [str(row["liability_amount"]) for row in series],
        "restaurants": [row["name"] for row in data["restaurants"]],
        "restaurant_revenue": [str(row["loyalty_revenue_amount"]) for row in data["restaurants"]],
        "restaurant_other_revenue": [str(row["other_revenue_amount"]) for row in data["restaurants"]],
        "restaurant_visits": [row["visits"] for row in data["restaurants"]],
        "levels": [row["level"] for row in data.get("levels", [])],
        "level_guests": [row["guests"] for row in data.get("levels", [])],
        "segments": [str(row["name"]) for row in data.get("rfm", [])],
        "segment_guests": [row["guests"] for row in data.get("rfm", [])],
        "labels": {
            "loyalty_revenue": _("Loyalty guests"),
            "other_revenue": _("Other checks"),
            "new_guests": _("New guests"),
            "visits": _("Visits"),
            "points_issued": _("Issued"),
            "points_redeemed": _("Redeemed"),
            "points_expired": _("Expired"),
            "liability": _("Liability"),
            "guests": _("Guests"),
        },
    }


def _charts_with_data(chart_data: dict[str, Any]) -> dict[str, bool]:
    """Which charts have something to draw: a chart whose every value is zero (a new chain) shows the empty state
    (templates/_empty_state.html) instead of a canvas, so no empty axes from -1 to 1 are drawn."""

    def any_value(*names: str) -> bool:
        return any(Decimal(str(value)) != 0 for name in names for value in chart_data[name])

    return {
        "revenue": any_value("loyalty_revenue", "other_revenue"),
        "guests": any_value("new_guests", "visits"),
        "points": any_value("points_issued", "points_redeemed", "points_expired"),
        "liability": any_value("liability"),
        "restaurants": any_value("restaurant_revenue", "restaurant_other_revenue", "restaurant_visits"),
        "levels": any_value("level_guests"),
        "segments": any_value("segment_guests"),
    }


@permission_required_page(Permission.VIEW_DASHBOARD)
def dashboard(request: StaffRequest) -> HttpResponse:
    access = _access(request)
    restaurants = visible_restaurants(access)
    restaurant_id = _dashboard_restaurant(request, access, restaurants)
    period = scoped_period(access=access, restaurant_id=restaurant_id)
    refresh_dirty_days()  # the days changed since the last read are rolled up first
    figures = dashboard_to_show(period)
    data = figures.data
    chart_data = _chart_data(data)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "period": period,
            "restaurant": next((restaurant for restaurant in restaurants if restaurant.pk == restaurant_id), None),
            "data": data,
            "figures": figures,
            "chart_data": chart_data,
            "charts": _charts_with_data(chart_data),
            "can_analyse": access.can(Permission.VIEW_ANALYTICS),
            "restaurants_total": len(restaurants),
            "restaurants_open": sum(1 for restaurant in restaurants if restaurant.status == RestaurantStatus.ACTIVE),
            "checklist": setup_checklist(chain_id=request.tenant.pk, access=access),
            "ratings": ratings_by_restaurant(period),
        },
    )


@permission_required_page(Permission.VIEW_ANALYTICS)
def analytics_page(request: HttpRequest) -> HttpResponse:
    form, period = _filtered(request)
    refresh_dirty_days()
    figures = analytics_to_show(period)
    data = figures.data
    chart_data = _chart_data(data)
    return render(
        request,
        "analytics/analytics.html",
        {
            "form": form,
            "period": period,
            "data": data,
            "figures": figures,
            "chart_data": chart_data,
            "charts": _charts_with_data(chart_data),
            "tables": {table.slug: table for table in report_tables(data)},
            "query": request.GET.urlencode(),
            "ratings": ratings_by_restaurant(period),
        },
    )


@permission_required_page(Permission.VIEW_ANALYTICS)
def metric_export(request: HttpRequest, slug: str) -> HttpResponse:
    _form, period = _filtered(request)
    refresh_dirty_days()
    table = table_by_slug(current_analytics(period), slug)
    if table is None:
        raise Http404
    response = HttpResponse(tables_as_csv([table], period), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slug}-{period.start}-{period.end}.csv"'
    return response


@permission_required_page(Permission.VIEW_ANALYTICS)
def report(request: HttpRequest) -> HttpResponse:
    """The report generator: every metric of the period in one CSV or XLSX file."""
    _form, period = _filtered(request)
    refresh_dirty_days()
    tables = report_tables(current_analytics(period))
    name = f"report-{period.start}-{period.end}"
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            tables_as_xlsx(tables, period),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(tables_as_csv(tables, period), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def statement_months(request: HttpRequest) -> tuple[dt.date, dt.date]:
    return parse_statement_months(first=request.GET.get("from"), last=request.GET.get("to"), zone=chain_time_zone())


@permission_required_page(Permission.VIEW_LIABILITY)
def liability_page(request: HttpRequest) -> HttpResponse:
    refresh_dirty_days()
    zone = chain_time_zone()
    try:
        first, last = statement_months(request)
        month_errors: dict[str, list[str]] = {}
    except InvalidMonth as error:
        month_errors = error.fields
        today = timezone.now().astimezone(zone).date()
        last = month_of(today)
        first = month_of(last - dt.timedelta(days=334))
    shown, refreshing = liability_to_show()
    return render(
        request,
        "analytics/liability.html",
        {
            "data": shown.summary if shown else None,
            "snapshot": shown,
            "refreshing": refreshing,
            "max_age_minutes": settings.LIABILITY_SNAPSHOT_MAX_AGE_SECONDS // 60,
            "statement": monthly_statement(zone, first, last),
            "first": first,
            "last": last,
            "month_errors": month_errors,
        },
    )


@require_POST
@permission_required_page(Permission.VIEW_LIABILITY)
def liability_refresh(request: HttpRequest) -> HttpResponse:
    """The owner's "Recalculate now": queue a fresh snapshot (one at a time per chain)."""
    if request_liability_refresh():
        messages.success(request, _("The figures are being recalculated; reload the page in a minute."))
    else:
        messages.info(request, _("The figures are already being recalculated."))
    return redirect("analytics:liability")


@permission_required_page(Permission.VIEW_LIABILITY)
def liability_statement_export(request: HttpRequest) -> HttpResponse:
    """The monthly statement as CSV or XLSX (?format=xlsx), months from ?from= and ?to=."""
    refresh_dirty_days()
    try:
        first, last = statement_months(request)
    except InvalidMonth as error:
        text = "\n".join(f"{field}: {message}" for field, messages in error.fields.items() for message in messages)
        return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")
    table = statement_table(monthly_statement(chain_time_zone(), first, last))
    period = Period(start=first, end=next_month(last) - dt.timedelta(days=1), restaurant_ids=None)
    name = f"liability-{first:%Y-%m}-{last:%Y-%m}"
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            tables_as_xlsx([table], period),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    response = HttpResponse(tables_as_csv([table], period), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response

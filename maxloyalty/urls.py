"""URL map of a chain's host ({slug}.PLATFORM_DOMAIN): staff pages, the cashier page and the REST API."""

from django.urls import include, path, re_path

from accounts.views.auth import chain_home
from maxloyalty import api_docs, error_pages
from pos import restaurant_urls as restaurant_pos_urls
from restaurants import urls as restaurant_urls
from tenants import settings_views

urlpatterns = [
    # First: the POS webhooks are the hottest path (URLs are tried in order; these share no prefix with pages).
    path("api/v1/", include("pos.api.urls")),
    path("", chain_home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("", include("analytics.urls")),
    path("cashier/", include("pos.urls")),
    # One "restaurants" namespace: the restaurant's own pages (add, edit, delete) and its POS pages (list, detail).
    path("restaurants/", include((restaurant_urls.urlpatterns + restaurant_pos_urls.urlpatterns, "restaurants"))),
    path("guests/", include("guests.urls")),
    path("loyalty/", include("loyalty.urls")),
    path("segments/", include("campaigns.urls")),
    path("fraud/", include("fraud.urls")),
    path("receipt-claims/", include("pos.claim_urls")),
    path("campaigns/", include("campaigns.campaign_urls")),
    path("automations/", include("automations.urls")),
    path("staff/", include("accounts.staff_urls")),
    path("settings/telegram/", include("telegram_bot.urls")),
    path("settings/", include("tenants.settings_urls")),
    path("logo/<str:file_name>", settings_views.chain_logo_file, name="chain-logo"),  # public: Mini App, bot
    path("telegram/", include("telegram_bot.guest_urls")),
    path("messaging/", include("messaging.urls")),
    path("feedback/", include("feedback.urls")),
    path("wallet/", include("wallet.urls")),
    path("audit/", include("audit.urls")),
    path("billing/", include("billing.urls")),
    path("setup/", include("onboarding.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/auth/", include("accounts.api.urls")),
    path("api/v1/", include("guests.api.urls")),
    path("api/v1/", include("loyalty.api.urls")),
    path("api/v1/", include("telegram_bot.api.urls")),
    path("api/v1/", include("restaurants.api.urls")),
    path("api/v1/", include("analytics.api.urls")),
    path("api/v1/", include("campaigns.api.urls")),
    path("api/v1/", include("fraud.api.urls")),
    path("api/v1/", include("messaging.api.urls")),
    path("api/v1/", include("feedback.api.urls")),
    path("api/schema/", api_docs.SchemaView.as_view(urlconf="maxloyalty.urls"), name="api-schema"),
    path("api/docs/", api_docs.swagger_ui, name="api-docs"),
    re_path(r"^api/", error_pages.page_not_found),  # unknown API paths: JSON 404 even with DEBUG on
]

handler400 = "maxloyalty.error_pages.bad_request"
handler403 = "maxloyalty.error_pages.permission_denied"
handler404 = "maxloyalty.error_pages.page_not_found"
handler500 = "maxloyalty.error_pages.server_error"

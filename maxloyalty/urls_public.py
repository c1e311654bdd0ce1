"""URL map of the platform host (PLATFORM_DOMAIN): landing, chain sign-up, sign-in with chain chooser, admin."""

from django.contrib import admin
from django.urls import include, path, re_path

from maxloyalty import api_docs, error_pages
from tenants import views as tenant_views

urlpatterns = [
    path("", tenant_views.landing, name="landing"),
    path("signup/", tenant_views.signup, name="signup"),
    path("signup/sent/", tenant_views.signup_sent, name="signup-sent"),
    path("signup/sent/resend/", tenant_views.signup_resend, name="signup-resend"),
    path("signup/confirm/", tenant_views.signup_confirm, name="signup-confirm"),
    path("billing/webhooks/", include("billing.webhook_urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", api_docs.SchemaView.as_view(urlconf="maxloyalty.urls"), name="api-schema"),
    path("api/docs/", api_docs.swagger_ui, name="api-docs"),
    re_path(r"^api/", error_pages.page_not_found),  # unknown API paths: JSON 404 even with DEBUG on
]

handler400 = "maxloyalty.error_pages.bad_request"
handler403 = "maxloyalty.error_pages.permission_denied"
handler404 = "maxloyalty.error_pages.page_not_found"
handler500 = "maxloyalty.error_pages.server_error"

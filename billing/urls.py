"""The owner's Billing page on a chain's host."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.billing_page, name="overview"),
    path("checkout", views.checkout_start, name="checkout-start"),
    path("plan", views.plan_change, name="plan-change"),
    path("cancel", views.subscription_cancel, name="subscription-cancel"),
    path("portal", views.stripe_portal, name="portal-open"),
]

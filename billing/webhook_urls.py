"""Webhooks reachable on the platform host (included from maxloyalty/urls_public.py)."""

from django.urls import path

from billing import webhooks

app_name = "billing-webhooks"

urlpatterns = [
    path("stripe", webhooks.stripe_webhook, name="stripe"),
    path("yookassa", webhooks.yookassa_webhook, name="yookassa"),
]

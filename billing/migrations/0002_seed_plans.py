"""Seed plans: Trial (every new chain), Start, Business, Enterprise. Platform staff edit them in the admin;
the Stripe price ids are placeholders to be replaced with the account's own price ids."""

from decimal import Decimal

from django.db import migrations

PLANS = [
    dict(code="trial", name_en="Trial", name_ru="Пробный", trial_days=14, rank=0, is_public=False,
         max_restaurants=10, max_staff=25, max_guests=10000, max_messages_per_month=5000,
         api_access=True, advanced_analytics=True, campaigns=True, custom_domain=False),
    dict(code="start", name_en="Start", name_ru="Старт", rank=10, price_rub=Decimal("2990"), price_usd=Decimal("39"),
         stripe_price_id="price_start", max_restaurants=1, max_staff=5, max_guests=2000,
         max_messages_per_month=2000, api_access=False, advanced_analytics=False, campaigns=False,
         custom_domain=False),
    dict(code="business", name_en="Business", name_ru="Бизнес", rank=20, price_rub=Decimal("7990"),
         price_usd=Decimal("99"), stripe_price_id="price_business", max_restaurants=5, max_staff=25,
         max_guests=20000, max_messages_per_month=20000, api_access=True, advanced_analytics=True, campaigns=True,
         custom_domain=False),
    dict(code="enterprise", name_en="Enterprise", name_ru="Энтерпрайз", rank=30, price_rub=Decimal("24990"),
         price_usd=Decimal("299"), stripe_price_id="price_enterprise", max_restaurants=None, max_staff=None,
         max_guests=None, max_messages_per_month=None, api_access=True, advanced_analytics=True, campaigns=True,
         custom_domain=True),
]


def seed(apps, schema_editor):
    Plan = apps.get_model("billing", "Plan")
    for values in PLANS:
        code = values["code"]
        Plan.objects.update_or_create(code=code, defaults={k: v for k, v in values.items() if k != "code"})


def unseed(apps, schema_editor):
    apps.get_model("billing", "Plan").objects.filter(code__in=[p["code"] for p in PLANS]).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]

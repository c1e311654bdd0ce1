"""Billing schedule: at platform level (public schema) life cycle steps, YooKassa renewals, payment reminders;
per chain, each month's SMS overage."""

from celery import shared_task

from billing import selectors, services
from maxloyalty.current_schema import current_schema_name
from tenants.models import Chain


@shared_task
def advance_subscriptions() -> dict[str, int]:
    return services.advance_subscriptions()


@shared_task
def charge_yookassa_renewals() -> int:
    due = selectors.renewals_due()
    for chain_id in due:
        charge_yookassa_renewal.delay(chain_id=chain_id)
    return len(due)


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def charge_yookassa_renewal(chain_id: int) -> None:
    services.charge_renewal(chain_id=chain_id)


@shared_task
def send_payment_reminder_email(chain_id: int) -> int:
    return services.send_payment_reminder(chain_id=chain_id)


@shared_task
def close_sms_month() -> str:
    """Monthly per chain (in its schema): last month's SMS parts past a billing plan's allowance, on the next
    invoice."""
    chain = Chain.objects.get(schema_name=current_schema_name())
    charge = services.close_sms_month(chain=chain)
    return f"{charge.amount} {charge.currency}" if charge is not None else "none"

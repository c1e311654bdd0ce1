"""Platform-level billing schedule (public schema): life cycle steps, YooKassa renewals, payment reminders."""

from celery import shared_task

from billing import selectors, services


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

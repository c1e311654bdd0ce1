"""The accrual path stays short: lock, idempotency check, insert, update (the program comes from the cache)."""

from loyalty.models import EntryKind
from loyalty.services import accrue_points, redeem_points


def test_accrual_costs_at_most_six_queries(guest, django_assert_max_num_queries):
    accrue_points(guest=guest, points=10, kind=EntryKind.ACCRUAL, idempotency_key="warm")  # account + cache
    with django_assert_max_num_queries(6):  # 4 statements + the test's savepoint pair
        accrue_points(guest=guest, points=10, kind=EntryKind.ACCRUAL, idempotency_key="measured")


def test_redemption_costs_at_most_eight_queries(guest, django_assert_max_num_queries):
    accrue_points(guest=guest, points=100, kind=EntryKind.ACCRUAL, idempotency_key="warm")
    with django_assert_max_num_queries(8):  # + reading and updating the FIFO lots
        redeem_points(guest=guest, points=10, idempotency_key="measured")


def test_retry_writes_nothing_and_costs_at_most_five_queries(guest, django_assert_max_num_queries):
    accrue_points(guest=guest, points=10, kind=EntryKind.ACCRUAL, idempotency_key="same")
    with django_assert_max_num_queries(5):  # lock, key check, the first entry + the savepoint pair
        accrue_points(guest=guest, points=10, kind=EntryKind.ACCRUAL, idempotency_key="same")

"""Every constraint PostgreSQL enforces is also checked on the input that feeds it: the API answers 4xx with the
uniform error (never 500) and nothing stored changes.

The test walks every check and unique constraint of the project's models. Each is either fed by API input (and
has an attack below that would violate it) or written only by services from values they compute (and says why).
A new constraint without an entry fails the completeness test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db.models import CheckConstraint, Model
from rest_framework.test import APIClient

from pos.services import create_connection
from tests.fixtures import ChainWorld, api_as, api_on
from tests.project_apps import project_app_labels

# Written only by services from values they compute, or by a provider's signed payload that is deduplicated first.
INTERNAL = {
    "pos.TillTipDismissal.user_id": "pos.till.dismiss_till_tip gets or creates the signed-in user's row",
    "tenants.Chain.schema_name": "derived from the slug by create_chain",
    "tenants.Chain.slug": "sign-up and create_chain check it first (tenants/tests)",
    "tenants.Domain.domain": "made by create_chain from the slug",
    "tenants.PendingSignup.token_hash": "a hash of a random token",
    "tenants_pendingsignup_one_per_slug": "the sign-up service checks the slug first (tests/security)",
    "accounts.User.email": "obtain_user / invitations look the email up first",
    "accounts_membership_one_per_chain": "grant_membership updates or creates",
    "accounts.StaffInvitation.token_hash": "a hash of a random token",
    "accounts_staffinvitation_one_open_per_email": "the invitation service revokes or refuses first",
    "billing.Plan.code": "plans are seeded by migrations",
    "billing.Subscription.chain": "one subscription made with the chain",
    "billing.Payment.idempotence_key": "a key the billing service generates",
    "billing_payment_one_row_per_provider_payment": "provider payloads are upserted by payment id",
    "billing_payment_one_charge_per_period": "the renewal job claims the period first",
    "billing_processedwebhook_once_per_event": "a repeat delivery is recognised and answered 200",
    "billing_messageusage_one_per_month": "counters upserted by the messaging service",
    "billing_smsoveragecharge_one_per_month": "close_sms_month returns the month's charge already recorded",
    "pos_receiptkey_external_id_unique": "a repeated check id is answered with the stored receipt (200), see below",
    "pos_receiptclaim_once_per_fiscal_document": "claim_receipt looks the fiscal document up first (409); a race: 409",
    "pos_receiptclaim_once_per_receipt": "a claim matches only a receipt without a guest, locked, then gives it one",
    "pos_rejected_one_row_per_minute": "aggregated by INSERT ... ON CONFLICT DO UPDATE",
    "guests_guest_qr_unique": "QR tokens are random, made by the guest service",
    "guests_guest_telegram_unique": "set by the bot from Telegram's user id, looked up first",
    "onboarding_dismissal_one_per_chain": "the dismissal service looks for the row first; a race keeps the first",
    "guests_guest_one_test_guest": "the test guest is found before it is made (find_or_create_test_guest); no input sets is_test",
    "messaging_messagingsettings_one_row": "the one settings row (id 1) is got or created by messaging.selectors",
    "messaging.ChannelPreference.guest": "set_preferred_channel updates or creates the guest's one row",
    "messaging_message_dedupe_unique": "send_to_guest returns the message already logged under the key",
    "messaging_emailsuppression_address_unique": "suppress_email gets or creates the address's row",
    "messaging_messagetemplate_kind_language_unique": "save_message_template updates or creates the kind's row",
    "feedback_feedbacksettings_one_row": "the one settings row (id 1) is got or created by feedback.selectors",
    "feedback.FeedbackRequest.applied_check": "planned with bulk_create(ignore_conflicts): a replayed event adds none",
    "feedback.VisitRating.applied_check": "the rating services update the visit's rating when there is one",
    "feedback_visitrating_score_1_to_5": "no API writes ratings; the page and the bot go through the rating "
    "service, which refuses a score outside 1-5 (ScoreInvalid, 422) before writing (feedback/tests)",
    "campaigns_segment_name_unique": "the segment services look for the name first: 409 duplicate_segment_name",
    "campaigns_campaign_holdout_at_most_90": "the campaign service refuses a share outside 0-90 (422, holdout_percent)",
    "campaigns_campaign_one_gift": "the campaign service refuses bonus points with a promo code (422, promo_code)",
    "guests_guestmerge_not_self": "merge_guests refuses to merge a guest into itself (409) before writing",
    "guests_restaurantguest_once": "visits record their guest and restaurant with ON CONFLICT: a pair is stored once",
    "guests_duplicatecandidate_one_per_pair": "the duplicate scan upserts pairs (ON CONFLICT): a pair is stored once",
    "guests_duplicatecandidate_ordered": "the scan's query pairs a lower id with a higher one (a.id < b.id); no input",
    "wallet_walletcard_one_per_platform": "wallet.services.issue_card returns the guest's card when there is one; "
    "a race (two taps on the link) keeps the first",
    "wallet_walletcard_serial_unique": "serials are 18 random bytes made by the model, never an input",
    "wallet_appledeviceregistration_one_per_card": "wallet.services.register_device updates the device's row when "
    "it registers again (PassKit answers 200)",
    "fraud_fraudflag_once": "fraud.services records a finding only when its key is new; a race keeps the first",
    "campaigns_campaignrecipient_once": "the split inserts members with ignore_conflicts: a rerun adds no one twice",
    "automations_automation_kind_unique": "automations.selectors.automations gets or creates one row per kind",
    "automations_automationsend_occasion_unique": "a runner claims the occasion by inserting it; a repeat skips the guest",
    "loyalty_programsettings_single_row": "the one settings row (id 1) is made by the program service",
    "loyalty.PointsAccount.guest": "one account per guest, got or created by the ledger service",
    "loyalty_pointsaccount_available_not_negative": "the ledger refuses a debit beyond the balance (409)",
    "loyalty_pointsaccount_pending_not_negative": "pending points are moved only by the ledger service",
    "loyalty_ledgerkey_idempotency_key_unique": "a replayed key returns the stored entry",
    "loyalty_ledgerkey_reversed_once": "reverse_entry refuses a second reversal (409)",
    "loyalty_ledgerentry_points_not_zero": "amounts are validated >= 1 before the ledger",
    "loyalty_ledgerentry_remaining_within_points": "lots are consumed by the ledger service only",
    "loyalty_ledgerentry_shortfall_on_reversal": "only reversals record a shortfall",
    "loyalty_appliedcheck_idempotency_key_unique": "a replayed check returns the stored outcome",
    "loyalty.Referral.guest": "one referral per invited guest, made at registration",
    "loyalty_referral_not_self": "the bot ignores a guest's own invite link",
    "loyalty_notificationoutbox_dedupe_unique": "notifications are deduplicated by key on insert",
    "analytics_dailyrestaurantstats_one_per_day": "roll-ups are upserted",
    "analytics_guestmonthactivity_one_per_month": "roll-ups are upserted",
    "analytics_figures_one_per_view": "analytics.figure_snapshots upserts a view's snapshot on its key",
    "telegram_bot_telegrambot_bot_unique": "the bot service checks the token's bot id first",
    "telegram_bot_telegramchat_chat_unique": "chats are got or created by the bot",
    "telegram_bot_telegramchat_user_unique": "chats are got or created by the bot",
    "telegram_bot.TelegramChat.guest": "chats are got or created by the bot",
    "telegram_bot.StaffTelegramLink.user": "issue_staff_link updates or creates the signed-in staff member's one row",
    "telegram_bot_delivery_dedupe_unique": "deliveries are deduplicated by key on insert",
}


@dataclass(frozen=True)
class Attack:
    """Arrange (through the API, as the owner), then the one request that would violate the constraint."""

    violate: Callable[[APIClient, Any], Any]
    model: str
    prepare: Callable[[APIClient, ChainWorld], Any] = lambda api, world: None


def _level(**fields: Any) -> dict[str, Any]:
    return {"name": "Silver", "threshold_amount": "10000", "earn_rate_percent": "7"} | fields


def _post(path: str, body: dict[str, Any]) -> Callable[[APIClient, Any], Any]:
    return lambda api, _prepared: api.post(path, body, format="json")


def _put(path: str, body: dict[str, Any]) -> Callable[[APIClient, Any], Any]:
    return lambda api, _prepared: api.put(path, body, format="json")


def _created(path: str, body: dict[str, Any]) -> Callable[[APIClient, ChainWorld], Any]:
    def prepare(api: APIClient, _world: ChainWorld) -> Any:
        response = api.post(path, body, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return prepare


def _promo_with_code(api: APIClient, _world: ChainWorld) -> Any:
    promo = api.post("/api/v1/promos", {"name": "Codes", "bonus_points": 50}, format="json").json()
    assert api.post(f"/api/v1/promos/{promo['id']}/codes", {"code": "AUTUMN"}, format="json").status_code == 201
    return promo


def _webhook_connection(_api: APIClient, world: ChainWorld) -> Any:
    connection, issued = create_connection(
        actor=world.user("owner"), restaurant=world.restaurants[0], kind="webhook", name="constraints"
    )
    return world, connection.pk, issued.signing_secret


def _negative_check_total(_api: APIClient, prepared: Any) -> Any:
    from tests.process_harness import sample_check, signed_request

    world, connection_id, secret = prepared
    check = sample_check("NEGATIVE-1", phone=None, amount=100) | {"total_amount": "-100.00"}
    body, headers = signed_request(secret, check)
    extra = {
        f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items() if name != "Content-Type"
    }
    return api_on(world.host).post(
        f"/api/v1/pos/webhooks/{connection_id}", body, content_type="application/json", **extra
    )


# What would violate each constraint fed by input, and the model whose rows must not change.
ATTACKS: dict[str, Attack] = {
    "loyalty_programsettings_point_value_positive": Attack(
        _put("/api/v1/program", {"point_value_amount": "0"}), "loyalty.ProgramSettings"
    ),
    "loyalty_programsettings_rolling_days_positive": Attack(
        _put("/api/v1/program", {"level_threshold_mode": "rolling", "level_rolling_days": 0}), "loyalty.ProgramSettings"
    ),
    "loyalty_level_name_unique": Attack(
        _post("/api/v1/levels", _level(threshold_amount="20000")), "loyalty.Level", _created("/api/v1/levels", _level())
    ),
    "loyalty_level_threshold_unique": Attack(
        _post("/api/v1/levels", _level(name="Gold")), "loyalty.Level", _created("/api/v1/levels", _level())
    ),
    "loyalty_level_threshold_not_negative": Attack(
        _post("/api/v1/levels", _level(threshold_amount="-1")), "loyalty.Level"
    ),
    "loyalty_promo_gives_points": Attack(
        _post("/api/v1/promos", {"name": "Nothing", "multiplier": "1", "bonus_points": 0}), "loyalty.Promo"
    ),
    "loyalty_promo_dates_in_order": Attack(
        _post(
            "/api/v1/promos",
            {"name": "Backwards", "bonus_points": 10, "starts_on": "2026-12-10", "ends_on": "2026-12-01"},
        ),
        "loyalty.Promo",
    ),
    "loyalty_promocode_code_unique": Attack(
        lambda api, promo: api.post(f"/api/v1/promos/{promo['id']}/codes", {"code": "autumn"}, format="json"),
        "loyalty.PromoCode",
        _promo_with_code,
    ),
    "guests_guest_phone_unique": Attack(
        _post("/api/v1/guests", {"phone": "8 (916) 123-00-01"}),
        "guests.Guest",
        _created("/api/v1/guests", {"phone": "+79161230001"}),
    ),
    "guests_guest_card_unique": Attack(
        _post("/api/v1/guests", {"phone": "+79161230003", "card_number": "7770001"}),
        "guests.Guest",
        _created("/api/v1/guests", {"phone": "+79161230002", "card_number": "7770001"}),
    ),
    "pos_receipt_total_not_negative": Attack(_negative_check_total, "pos.Receipt", _webhook_connection),
}


def _constraint_names() -> list[str]:
    names = []
    for model in apps.get_models():
        if model._meta.app_label not in project_app_labels():
            continue
        names += [constraint.name for constraint in model._meta.constraints]
        names += [
            f"{model._meta.label}.{field.name}"
            for field in model._meta.local_fields
            if field.unique and not field.primary_key
        ]
    return sorted(names)


def _constraint(model: type[Model], name: str) -> object:
    return next((constraint for constraint in model._meta.constraints if constraint.name == name), None)


def test_every_database_constraint_is_checked_on_input_or_says_why_no_input_reaches_it():
    unaccounted = [name for name in _constraint_names() if name not in ATTACKS and name not in INTERNAL]
    assert unaccounted == [], "add each to ATTACKS (an input that would violate it) or INTERNAL (why none can)"
    stale = sorted((set(ATTACKS) | set(INTERNAL)) - set(_constraint_names()))
    assert stale == [], "these constraints no longer exist"


@pytest.mark.parametrize("constraint", sorted(ATTACKS))
def test_input_that_would_break_a_constraint_is_refused_with_a_field_error_and_changes_nothing(alpha, constraint):
    attack = ATTACKS[constraint]
    model = apps.get_model(attack.model)
    api = api_as(alpha, "owner")
    prepared = attack.prepare(api, alpha)
    before = list(model.objects.order_by("pk").values())

    response = attack.violate(api, prepared)

    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "fields"}
    if isinstance(_constraint(model, constraint), CheckConstraint) and response.status_code == 400:
        assert error["fields"], error  # the message sits on the field the rule is about
    assert list(model.objects.order_by("pk").values()) == before

"""Every write of the loyalty program. Import from here: `from loyalty.services import apply_check`.

- ledger: accrue_points, redeem_points, adjust_points, reverse_entry (locked, idempotent by key, audited; a manual
  grant is held to loyalty.grants), grant_program_bonus (the program's own bonuses) and
  grant_program_bonuses (a batch of them, set-based: automations, campaigns), set_points_frozen (a fraud
  review's hold: spending refused, earning goes on)
- checks: apply_check, reverse_check, quote_for_guest (a check at the till or from the POS, and its refund)
- check_batches: apply_checks (many POS checks in one transaction, written together)
- check_writing: what those two writers of a check's plan (loyalty.check_plan) share: rows, outcome, events
- expiry: activate_pending_points, expire_points (the daily sweeps; the expiry warning is automations')
- levels: reevaluate_levels (nightly), record_level_change (also a check's move up)
- bonuses: grant_welcome_bonus, grant_birthday_bonuses (the program's own grants)
- referrals: record_referral at sign-up; the bonuses are paid by apply_check on the first qualifying purchase
- program: settings, levels, promos and promo codes edited by admins
- backtests: program drafts, their backtests over past checks, publishing (now or at a chosen moment)
"""

from loyalty.services.backtests import (
    backtest_new_draft,
    create_draft,
    publish_draft,
    publish_due_drafts,
    run_backtest,
    start_backtest,
    update_draft,
)
from loyalty.services.bonuses import grant_birthday_bonuses, grant_welcome_bonus
from loyalty.services.check_batches import CheckResult, CheckToApply, apply_checks
from loyalty.services.checks import CheckOutcome, apply_check, quote_for_guest, reverse_check
from loyalty.services.expiry import activate_pending_points, expire_points
from loyalty.services.ledger import (
    BonusGrant,
    accrue_points,
    adjust_points,
    grant_program_bonus,
    grant_program_bonuses,
    redeem_points,
    reverse_entry,
    set_points_frozen,
)
from loyalty.services.levels import reevaluate_levels
from loyalty.services.program import (
    create_level,
    create_promo,
    create_promo_code,
    deactivate_promo_code,
    delete_level,
    delete_promo,
    update_level,
    update_program_settings,
    update_promo,
)
from loyalty.services.referrals import record_referral

__all__ = [
    "BonusGrant",
    "CheckOutcome",
    "CheckResult",
    "CheckToApply",
    "accrue_points",
    "activate_pending_points",
    "adjust_points",
    "apply_check",
    "apply_checks",
    "backtest_new_draft",
    "create_draft",
    "create_level",
    "create_promo",
    "create_promo_code",
    "deactivate_promo_code",
    "delete_level",
    "delete_promo",
    "expire_points",
    "grant_birthday_bonuses",
    "grant_program_bonus",
    "grant_program_bonuses",
    "grant_welcome_bonus",
    "publish_draft",
    "publish_due_drafts",
    "quote_for_guest",
    "record_referral",
    "redeem_points",
    "reevaluate_levels",
    "reverse_check",
    "reverse_entry",
    "run_backtest",
    "set_points_frozen",
    "start_backtest",
    "update_draft",
    "update_level",
    "update_program_settings",
    "update_promo",
]

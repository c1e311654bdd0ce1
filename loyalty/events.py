"""Events of the loyalty program (see maxloyalty/events.py): what its services announce to other apps.

All are sent after commit (maxloyalty.events.emit_after_commit), once per write that really happened: a replay
under an idempotency key sends nothing.
"""

from __future__ import annotations

from django.dispatch import Signal

# Checks newly applied (never a replay), by the one-check and the many-checks writer alike.
# kwargs: applied = [(guest, loyalty.services CheckOutcome), ...], never empty.
checks_applied = Signal()

# Points given outside a check's own earning: the welcome, birthday and referral bonuses (the referral's too when
# a check pays it), a manual grant. kwargs: entries = [loyalty.models.LedgerEntry, ...] (positive, of an earning
# kind), never empty.
points_granted = Signal()

# Every other ledger entry written outside the check writers: a redemption, an adjustment (either way), a reversal
# (a refund or an undo), the nightly expiry. kwargs: entries = [loyalty.models.LedgerEntry, ...], never empty.
# With checks_applied and points_granted, every ledger entry is announced exactly once.
points_changed = Signal()

# A guest's level moved (by a check, a staff action or the nightly re-evaluation).
# kwargs: changes = [loyalty.models.LevelChange, ...], never empty.
level_changed = Signal()

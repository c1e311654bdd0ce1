"""Events of the loyalty program (see maxloyalty/events.py): what its services announce to other apps."""

from __future__ import annotations

from django.dispatch import Signal

# Checks newly applied (never a replay), by the one-check and the many-checks writer alike.
# kwargs: applied = [(guest, loyalty.services CheckOutcome), ...], never empty.
checks_applied = Signal()

# Points given outside a check (welcome, birthday, manual grant, referral, bonus); a check's own earning is
# announced by checks_applied. kwargs: entries = [loyalty.models.LedgerEntry, ...], never empty.
points_granted = Signal()

# A guest's level moved (by a check, a staff action or the nightly re-evaluation).
# kwargs: changes = [loyalty.models.LevelChange, ...], never empty.
level_changed = Signal()

"""Events of the chains (see maxloyalty/events.py): what tenants' services announce to other apps."""

from __future__ import annotations

from django.dispatch import Signal

# What the chain's loyalty card shows of the chain changed: its name, logo or card colours. Sent after commit,
# in no particular schema; the wallet redraws every card of the chain. kwargs: chain (tenants.models.Chain).
chain_branding_changed = Signal()

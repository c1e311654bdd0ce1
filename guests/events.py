"""Events of the guest register (see maxloyalty/events.py): what its services announce to other apps."""

from __future__ import annotations

from django.dispatch import Signal

# A guest joined the programme (at the till, in the admin, from the bot, by import), sent after commit.
# kwargs: guest, actor.
guest_registered = Signal()

# Sent INSIDE the registering transaction, for the writes that are part of joining and must commit or roll back
# with the guest: the loyalty app's welcome bonus. It is the guest's first balance, shown at once by the till, the
# API and the bot's welcome message; written in the same transaction a guest can never exist without it, and its
# idempotency key (welcome:<guest id>) keeps it single. Effects (messages, analytics) listen to guest_registered.
# kwargs: guest, actor.
guest_registering = Signal()

# A guest's personal data was erased; receivers remove what their app keeps about the person. Sent INSIDE the
# erasing transaction: the erasure is complete or does not happen (a copy left behind would be a breach).
# kwargs: guest.
guest_erased = Signal()

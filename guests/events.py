"""Events of the guest register (see maxloyalty/events.py): what its services announce to other apps."""

from __future__ import annotations

from django.dispatch import Signal

# A guest joined the programme (at the till, in the admin, from the bot, by import). kwargs: guest, actor.
guest_registered = Signal()

# A guest's personal data was erased; receivers remove what their app keeps about the person. kwargs: guest.
guest_erased = Signal()

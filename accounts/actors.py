"""Who does an operation: a staff member signed in to the chain (a `User`), or None for the system itself (the POS,
the program's own rules, a scheduled task). Services name their caller with this type."""

from __future__ import annotations

from typing import TypeAlias

from accounts.models import User

Actor: TypeAlias = User | None

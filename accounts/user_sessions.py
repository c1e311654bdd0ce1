"""A user's signed-in sessions (django-qsessions rows in the public schema): the idle limit per role, the list a
user sees, ending one or all others. Sessions are named by a digest of their key: the key itself is a secret."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone
from qsessions.models import Session

from accounts.errors import SessionNotFound
from accounts.models import Role, User
from audit.services import record_audit
from maxloyalty.current_schema import current_schema_name

HOST_KEY = "_host"
LAST_ACTIVITY_KEY = "_last_activity"


def idle_minutes(*, role: str | None, is_platform_staff: bool) -> int:
    """How long a session may stay unused: by the role in the chain served, or on the platform host by staff-ness."""
    if role is None:
        return int(
            settings.SESSION_IDLE_MINUTES_PLATFORM_STAFF
            if is_platform_staff
            else settings.SESSION_IDLE_MINUTES_PLATFORM
        )
    minutes: dict[str, int] = {
        Role.OWNER: settings.SESSION_IDLE_MINUTES_OWNER,
        Role.ADMIN: settings.SESSION_IDLE_MINUTES_ADMIN,
        Role.MANAGER: settings.SESSION_IDLE_MINUTES_MANAGER,
        Role.CASHIER: settings.SESSION_IDLE_MINUTES_CASHIER,
    }
    return int(minutes.get(role, settings.SESSION_IDLE_MINUTES_OWNER))


def session_handle(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class SessionRow:
    handle: str
    device: str
    user_agent: str
    address: str
    host: str
    started_at: datetime | None
    last_active_at: datetime
    is_current: bool


def sessions_of(*, user: User, current_key: str | None) -> list[SessionRow]:
    """The user's unexpired sessions, the most recently used first."""
    rows = []
    for session in Session.objects.filter(user=user, expire_date__gt=timezone.now()).order_by("-updated_at"):
        data = session.get_decoded()
        last_activity = data.get(LAST_ACTIVITY_KEY)
        rows.append(
            SessionRow(
                handle=session_handle(session.session_key),
                device=session.device or "",
                user_agent=session.user_agent or "",
                address=session.ip or "",
                host=str(data.get(HOST_KEY, "")),
                started_at=session.created_at,
                last_active_at=(datetime.fromtimestamp(last_activity, tz=UTC) if last_activity else session.updated_at),
                is_current=session.session_key == current_key,
            )
        )
    return rows


def _audit(*, user: User, action: str, count: int) -> None:
    # The audit log lives in each chain's schema; on the platform host there is none to write to.
    if current_schema_name() != "public":
        record_audit(action=action, actor=user, target=user, data={"sessions": count})


def end_session(*, user: User, handle: str, current_key: str | None) -> None:
    """End one of the user's other sessions (the current one ends by signing out)."""
    for session in Session.objects.filter(user=user):
        if session_handle(session.session_key) == handle and session.session_key != current_key:
            session.delete()  # qsessions drops the cached copy too
            _audit(user=user, action="user.session_ended", count=1)
            return
    raise SessionNotFound


def end_other_sessions(*, user: User, current_key: str | None) -> int:
    """End every session of the user but this one; returns how many ended."""
    others = Session.objects.filter(user=user).exclude(session_key=current_key or "")
    count: int = others.count()
    others.delete()
    if count:
        _audit(user=user, action="user.other_sessions_ended", count=count)
    return count

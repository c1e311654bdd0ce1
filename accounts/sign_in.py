"""The one sign-in door: every way of proving a password (staff pages, API login, the platform admin, sign-up with
an email that already has an account) goes through prove_password, with the same locks and the same answers; the
API's login is sign_in_for_api (the same proof, then its tokens). The doors only parse and render.

Rules (settings in brackets):
1. Failures are counted per account and address on one scope (a chain, or the platform host): after
   LOGIN_FAILURE_LIMIT of them that address may not try that account there for LOGIN_LOCK_MINUTES.
2. Failures are counted per address over all accounts and scopes: after LOGIN_ADDRESS_FAILURE_LIMIT the address
   may not try any account (password spraying; a till's address is shared by a restaurant's staff, hence higher).
3. Failures are counted per account on one scope over all addresses: after LOGIN_ACCOUNT_FAILURE_LIMIT the account
   is locked on that scope (a guesser with many addresses). The lock cannot be turned against staff:
   - it holds on one scope only: failures on chain A's host do not lock the account out of chain B or the platform;
   - it does not apply from an address the account signed in from successfully within LOGIN_KNOWN_ADDRESS_DAYS
     (the till, the manager's office), so a remote guesser cannot lock staff out of their usual places;
   - a password reset through the link emailed to the account's own address clears all of its counts and locks.
4. Unknown email, wrong password, no membership in this chain, not platform staff at the admin: one answer
   (InvalidCredentials), counted alike; the counts are keyed by the email typed, so a lock reveals nothing.
5. A lock refuses even the right password (SignInLocked, 429) and is checked before the password is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate

from accounts import login_throttle
from accounts.access import resolve_access
from accounts.errors import InvalidCredentials, SignInLocked
from accounts.models import User
from accounts.tokens import refresh_token_for
from maxloyalty import rate_limits

if TYPE_CHECKING:
    from rest_framework_simplejwt.tokens import RefreshToken

    from tenants.models import Chain

PLATFORM_SCOPE = "platform"


def normalized_email(email: str) -> str:
    return User.objects.normalize_email(email).strip().lower()


@dataclass(frozen=True)
class _Subjects:
    """What one attempt is counted against (rules 1-3) and the mark of an address the account proved itself from."""

    pair: str
    address: str
    account: str
    known_address: str

    @classmethod
    def of(cls, *, email: str, client_address: str, scope: str) -> _Subjects:
        account = login_throttle.account_key(email)
        return cls(
            pair=f"pair:{account}:{client_address}:{scope}",
            address=f"addr:{client_address}",
            account=f"acct:{account}:{scope}",
            known_address=f"known:{account}:{client_address}",
        )

    def seconds_locked(self) -> int:
        locks = [login_throttle.seconds_locked(self.pair), login_throttle.seconds_locked(self.address)]
        if not login_throttle.is_remembered(self.known_address):
            locks.append(login_throttle.seconds_locked(self.account))
        return max(locks)

    def register_failure(self) -> int:
        lock_seconds = int(settings.LOGIN_LOCK_MINUTES) * 60
        limits = (
            (self.pair, settings.LOGIN_FAILURE_LIMIT),
            (self.address, settings.LOGIN_ADDRESS_FAILURE_LIMIT),
            (self.account, settings.LOGIN_ACCOUNT_FAILURE_LIMIT),
        )
        return max(
            [
                login_throttle.register_failure(subject, limit=limit, lock_seconds=lock_seconds)
                for subject, limit in limits
            ]
        )


def scope_of(chain: Chain | None) -> str:
    return f"chain:{chain.pk}" if chain is not None else PLATFORM_SCOPE


def prove_password(
    *, email: str, password: str, client_address: str, chain: Chain | None = None, platform_staff_only: bool = False
) -> User:
    """The user whose password this is and who may enter here (a member of `chain`; with platform_staff_only,
    platform staff); otherwise InvalidCredentials, or SignInLocked while a lock holds. Does not start a session."""
    email = normalized_email(email)
    subjects = _Subjects.of(email=email, client_address=client_address, scope=scope_of(chain))
    if seconds := subjects.seconds_locked():
        raise SignInLocked(seconds=seconds)
    user = authenticate(None, username=email, password=password)
    if user is not None and chain is not None and resolve_access(user, chain.pk) is None:
        user = None  # a valid password for someone with no role in this chain is still a refusal
    if user is not None and platform_staff_only and not (user.is_active and user.is_staff):
        user = None
    if user is None:
        if seconds := subjects.register_failure():
            raise SignInLocked(seconds=seconds)
        raise InvalidCredentials
    login_throttle.clear(subjects.pair)
    login_throttle.remember(subjects.known_address, seconds=int(settings.LOGIN_KNOWN_ADDRESS_DAYS) * 86400)
    assert isinstance(user, User)
    return user


def sign_in_for_api(*, email: str, password: str, client_address: str, chain: Chain) -> RefreshToken:
    """The API's sign-in on a chain's host: prove_password there, then a refresh token naming the chain (so are
    the access tokens made from it); the sign-in is the user's last_login, as a session sign-in records it."""
    user = prove_password(email=email, password=password, client_address=client_address, chain=chain)
    refresh = refresh_token_for(user, chain.pk)
    User.objects.filter(pk=user.pk).update(last_login=refresh.current_time)
    return refresh


def password_was_reset(*, user: User, client_address: str) -> None:
    """A reset through the emailed link proves the account's email: its counts and locks go, this address is known."""
    email = normalized_email(user.email)
    login_throttle.retire_account_counters(email)
    known_address = _Subjects.of(email=email, client_address=client_address, scope=PLATFORM_SCOPE).known_address
    login_throttle.remember(known_address, seconds=int(settings.LOGIN_KNOWN_ADDRESS_DAYS) * 86400)


def may_request_password_reset(*, email: str, client_address: str) -> bool:
    """Reset emails: at most PASSWORD_RESET_LIMIT_PER_ADDRESS per address and PASSWORD_RESET_LIMIT_PER_ACCOUNT per
    email in PASSWORD_RESET_WINDOW_MINUTES. Beyond them the page answers the same and no email goes out."""
    window = int(settings.PASSWORD_RESET_WINDOW_MINUTES) * 60
    per_address = rate_limits.hit(
        scope="password-reset-address",
        subject=client_address,
        limit=settings.PASSWORD_RESET_LIMIT_PER_ADDRESS,
        window_seconds=window,
    )
    per_account = rate_limits.hit(
        scope="password-reset-account",
        subject=login_throttle.email_digest(normalized_email(email)),
        limit=settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT,
        window_seconds=window,
    )
    return per_address and per_account

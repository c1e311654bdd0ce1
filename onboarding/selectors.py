"""The setup checklist of a chain, computed from its data in ONE query.

Each step is an EXISTS (or a first id) on an index or a table of a few rows, all in one SELECT over the chain's row:
the chain's schema tables and the public ones (memberships, invitations, subscription) side by side, since the
chain's connection searches both. It costs one round trip of well under a millisecond at any size, so the hot
dashboard reads it fresh on each view and no cache (nor its invalidation on docs/events.md's events) is needed:
the checklist updates itself as the steps are done, on the next page view.

Steps, in order: a restaurant; its POS connected (done when the first check from the POS arrived: test checks of
"Send a test check" prove our side and show as waiting); the loyalty program reviewed (a change of the settings or a
level was saved); staff invited; the Telegram bot connected; a plan chosen (a paid subscription, not the trial).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.access import ChainAccess
from accounts.models import Membership, Role, StaffInvitation
from accounts.roles import Permission
from audit.models import AuditEntry
from billing.models import State, Subscription
from guests.models import Guest
from onboarding.models import ChecklistDismissal
from pos.models import TEST_CHECK_PREFIX, PosConnection, Receipt
from restaurants.models import Restaurant
from telegram_bot.models import TelegramBot
from tenants.models import Chain

# Audit actions that mean the owner looked at the program and saved a choice, a change or the settings as they are
# (loyalty.services.program).
PROGRAM_REVIEWED_ACTIONS = (
    "loyalty.program_updated",
    "loyalty.program_reviewed",
    "loyalty.level_created",
    "loyalty.level_updated",
)


class StepState(StrEnum):
    TODO = "todo"
    WAITING = "waiting"  # started, waiting for something outside (the POS's first check)
    DONE = "done"


@dataclass(frozen=True)
class ChecklistStep:
    key: str
    title: str | Promise
    why: str | Promise
    state: StepState
    url: str
    action: str | Promise
    permission: Permission  # who may do it; others see the step without its link
    note: str | Promise = ""
    can_do: bool = False  # the viewer holds `permission`

    @property
    def is_done(self) -> bool:
        return self.state == StepState.DONE


@dataclass(frozen=True)
class SetupChecklist:
    steps: list[ChecklistStep]
    is_dismissed: bool

    @property
    def done_count(self) -> int:
        return sum(1 for step in self.steps if step.is_done)

    @property
    def is_complete(self) -> bool:
        return self.done_count == len(self.steps)

    @property
    def is_shown(self) -> bool:
        """On the dashboard: until every step is done or someone dismissed it."""
        return not self.is_dismissed and not self.is_complete

    @property
    def next_step(self) -> ChecklistStep | None:
        return next((step for step in self.steps if not step.is_done), None)


def _facts(chain_id: int) -> dict[str, object]:
    """Everything the steps read, in one query over the chain's row."""
    first_restaurant = Restaurant.objects.order_by("id").values("id")[:1]
    first_connection = PosConnection.objects.order_by("id").values("id", "restaurant_id")
    # Any check but a test one: in a chain with checks the first row read is one.
    real_checks = Receipt.objects.exclude(external_id__startswith=TEST_CHECK_PREFIX)
    test_guest = Guest.objects.filter(is_test=True)
    row = (
        Chain.objects.filter(pk=chain_id)
        .annotate(
            restaurant_id=Subquery(first_restaurant),
            connection_id=Subquery(first_connection.values("id")[:1]),
            connection_restaurant_id=Subquery(first_connection.values("restaurant_id")[:1]),
            has_real_check=Exists(real_checks),
            # By the test guest's receipts (their guest index), not by the check id's prefix, which no index serves.
            has_test_check=Exists(Receipt.objects.filter(guest_id=Subquery(test_guest.values("id")[:1]))),
            has_program_review=Exists(AuditEntry.objects.filter(action__in=PROGRAM_REVIEWED_ACTIONS)),
            has_member=Exists(Membership.objects.filter(chain_id=OuterRef("pk")).exclude(role=Role.OWNER)),
            has_invitation=Exists(StaffInvitation.objects.filter(chain_id=OuterRef("pk"), revoked_at__isnull=True)),
            has_bot=Exists(TelegramBot.objects.all()),
            has_plan=Exists(
                Subscription.objects.filter(Q(state=State.ACTIVE) | Q(state=State.PAST_DUE), chain_id=OuterRef("pk"))
            ),
            is_dismissed=Exists(ChecklistDismissal.objects.all()),
        )
        .values(
            "restaurant_id",
            "connection_id",
            "connection_restaurant_id",
            "has_real_check",
            "has_test_check",
            "has_program_review",
            "has_member",
            "has_invitation",
            "has_bot",
            "has_plan",
            "is_dismissed",
        )
        .get()
    )
    return dict(row)


def _done(flag: object) -> StepState:
    return StepState.DONE if flag else StepState.TODO


def setup_checklist(*, chain_id: int, access: ChainAccess) -> SetupChecklist:
    """The current chain's checklist (the connection is set to its schema; `chain_id` names its public rows), each
    step's link offered when the viewer may do it."""
    facts = _facts(chain_id)
    restaurant_id = facts["restaurant_id"]
    connection_id = facts["connection_id"]
    pos_note: str | Promise
    pos_action: str | Promise
    if facts["has_real_check"]:
        pos_state, pos_note = StepState.DONE, ""
    elif facts["has_test_check"]:
        pos_state = StepState.WAITING
        pos_note = _("The test check arrived and earned points. Waiting for the first check from the POS itself.")
    elif connection_id:
        pos_state = StepState.WAITING
        pos_note = _("Connected; no check has arrived yet. Send a test check from the connection's page.")
    else:
        pos_state, pos_note = StepState.TODO, ""
    if connection_id:
        pos_url = reverse(
            "restaurants:connection-detail",
            kwargs={"restaurant_id": facts["connection_restaurant_id"], "connection_id": connection_id},
        )
        pos_action = _("Open the connection")
    elif restaurant_id:
        pos_url = reverse("restaurants:detail", kwargs={"restaurant_id": restaurant_id}) + "#connect-pos"
        pos_action = _("Connect the POS")
    else:
        pos_url = reverse("restaurants:create")
        pos_action = _("Add a restaurant first")
    steps = [
        ChecklistStep(
            key="restaurant",
            title=_("Add a restaurant"),
            why=_("Checks, guests and the till belong to a restaurant."),
            state=_done(restaurant_id),
            url=reverse("restaurants:detail", kwargs={"restaurant_id": restaurant_id})
            if restaurant_id
            else reverse("restaurants:create"),
            action=_("Open the restaurant") if restaurant_id else _("Add a restaurant"),
            permission=Permission.MANAGE_RESTAURANTS,
        ),
        ChecklistStep(
            key="pos",
            title=_("Connect its POS"),
            why=_("iiko, R-Keeper or any POS through the signed webhook: every check then earns points by itself."),
            state=pos_state,
            url=pos_url,
            action=pos_action,
            permission=Permission.MANAGE_POS,
            note=pos_note,
        ),
        ChecklistStep(
            key="program",
            title=_("Review the loyalty program"),
            why=_(
                "Earn rate, levels and the welcome bonus decide what a guest gets; the preview shows a check's points."
            ),
            state=_done(facts["has_program_review"]),
            url=reverse("loyalty:settings"),
            action=_("Open the program"),
            permission=Permission.MANAGE_PROGRAM,
        ),
        ChecklistStep(
            key="staff",
            title=_("Invite staff"),
            why=_("Cashiers register guests and accrue points at the till; managers follow their restaurants."),
            state=_done(facts["has_member"] or facts["has_invitation"]),
            url=reverse("staff:invite"),
            action=_("Invite a cashier or manager"),
            permission=Permission.MANAGE_STAFF,
        ),
        ChecklistStep(
            key="telegram",
            title=_("Connect the Telegram bot"),
            why=_("Guests join by sharing their phone, see their balance and get a message after each check."),
            state=_done(facts["has_bot"]),
            url=reverse("telegram-settings:bot"),
            action=_("Connect the bot"),
            permission=Permission.MANAGE_SETTINGS,
        ),
        ChecklistStep(
            key="plan",
            title=_("Choose a plan"),
            why=_("The trial ends; a plan keeps checks earning points without a pause."),
            state=_done(facts["has_plan"]),
            url=reverse("billing:overview"),
            action=_("Choose a plan"),
            permission=Permission.MANAGE_BILLING,
        ),
    ]
    steps = [replace(step, can_do=access.can(step.permission)) for step in steps]
    return SetupChecklist(steps=steps, is_dismissed=bool(facts["is_dismissed"]))

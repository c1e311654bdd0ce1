"""Deep-link parameters of /start (t.me/<bot>?start=<param>): at most 64 characters of A-Z a-z 0-9 _ -.

Our parameter is parts joined by "-", each "<kind>_<value>": `ref_<card number>` (invited by that guest),
`rest_<restaurant id>`, `c_<campaign tag>`. Unknown or malformed parts are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from maxloyalty.whole_numbers import whole_number

MAX_START_PARAM_LENGTH = 64
_ALLOWED = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class StartLink:
    referral_card: str = ""
    restaurant_id: int | None = None
    campaign_tag: str = ""


def parse_start_param(param: str) -> StartLink:
    if not param or not _ALLOWED.match(param):
        return StartLink()
    found: dict[str, str] = {}
    for part in param.split("-"):
        kind, _, value = part.partition("_")
        if value and kind in ("ref", "rest", "c") and kind not in found:
            found[kind] = value
    restaurant = found.get("rest", "")
    return StartLink(
        referral_card=found.get("ref", "") if found.get("ref", "").isdigit() else "",
        restaurant_id=whole_number(restaurant, default=None),
        campaign_tag=found.get("c", "")[:50],
    )


def referral_param(card_number: str) -> str:
    return f"ref_{card_number}"


def invite_link(bot_username: str, card_number: str) -> str:
    return f"https://t.me/{bot_username}?start={referral_param(card_number)}"

"""Pure rules of feedback (no database).

1. A score is an integer from 1 to 5.
2. A rating is low when its score is at or below the chain's threshold (e.g. <= 3).
3. The staff are alerted once per rating: when it is (or becomes) low and was not alerted before; a comment that
   comes after the alert is passed on once more.
4. A guest may answer (or change the answer, or add a comment) while the request is fresh: ANSWER_WINDOW after it
   was sent; the link then reads as expired.
5. A request whose message was not delivered (the channel refused it or gave up: a chat that blocked the bot, an
   SMS error, a hard bounce) is failed with the channel's reason and asked once more by the next tick, through
   whatever channel messaging then chooses (a blocked chat is no longer one); after SEND_ATTEMPTS messages it is
   given up (undelivered, the reason kept).
"""

from __future__ import annotations

import datetime

MIN_SCORE, MAX_SCORE = 1, 5
SCORES = tuple(range(MIN_SCORE, MAX_SCORE + 1))
ANSWER_WINDOW = datetime.timedelta(days=7)
SEND_ATTEMPTS = 2  # rule 5: the first message and one more
# A comment typed in the bot's chat after a rating belongs to it for this long.
COMMENT_WINDOW = datetime.timedelta(minutes=30)


def is_valid_score(score: object) -> bool:
    return isinstance(score, int) and not isinstance(score, bool) and MIN_SCORE <= score <= MAX_SCORE


def is_low(score: int, threshold: int) -> bool:
    return score <= threshold


def needs_alert(*, score: int, threshold: int, already_alerted: bool) -> bool:
    return is_low(score, threshold) and not already_alerted


def needs_comment_alert(*, score: int, threshold: int, comment: str, comment_alerted: bool) -> bool:
    return is_low(score, threshold) and bool(comment) and not comment_alerted


def after_failed_delivery(attempts: int) -> str:
    """Rule 5: the request's status once its latest message was not delivered ("failed": asked again)."""
    return "failed" if attempts < SEND_ATTEMPTS else "undelivered"

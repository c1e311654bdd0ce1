"""Every write of the Telegram integration. Import from here: `from telegram_bot.services import connect_bot`.

- bots: connect_bot, disconnect_bot (token checked with getMe, stored encrypted, webhook set/moved/deleted)
- updates: take_in_update, handle_update (the webhook's duplicate guard and the guest conversation)
- notifications: queue_message, deliver (rate limits, 429 retry, 403 unreachable, the delivery log)
- broadcasts: create_broadcast, run_broadcast, count_broadcast_delivery, cancel_broadcast
- staff_links: issue_staff_link, link_staff_chat, unlink_staff_chat (staff members' alert chat)
"""

from telegram_bot.services.bots import connect_bot, disconnect_bot
from telegram_bot.services.broadcasts import cancel_broadcast, count_broadcast_delivery, create_broadcast, run_broadcast
from telegram_bot.services.notifications import (
    DeliveryOutcome,
    deliver,
    queue_check_receipt,
    queue_message,
    queue_outbox_notifications,
    set_notifications,
)
from telegram_bot.services.staff_links import issue_staff_link, link_staff_chat, unlink_staff_chat
from telegram_bot.services.updates import handle_update, take_in_update

__all__ = [
    "DeliveryOutcome",
    "cancel_broadcast",
    "connect_bot",
    "count_broadcast_delivery",
    "create_broadcast",
    "deliver",
    "disconnect_bot",
    "handle_update",
    "issue_staff_link",
    "link_staff_chat",
    "queue_check_receipt",
    "queue_message",
    "queue_outbox_notifications",
    "run_broadcast",
    "set_notifications",
    "take_in_update",
    "unlink_staff_chat",
]

"""Updates from Telegram: taken in once by update id, then the guest conversation (registration and menu)."""

from __future__ import annotations

import datetime
import io
import logging
from typing import Any
from urllib.parse import quote_plus

import segno
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from guests.errors import GuestNotFound
from guests.models import Guest, GuestSource, GuestStatus
from guests.selectors import lookup_guest
from guests.services import create_guest, set_consent
from loyalty.selectors import current_chain, guest_balance, program_context
from loyalty.services import record_referral
from maxloyalty.errors import DomainError
from maxloyalty.whole_numbers import whole_number
from messaging.templating import points_text
from pos.fiscal_qr import looks_like_fiscal_qr
from pos.models import ClaimSource
from pos.qr_images import MAX_IMAGE_BYTES, qr_texts_in_image
from restaurants.models import Restaurant
from telegram_bot.client import TelegramError, call_bot
from telegram_bot.models import ChatState, MessageKind, ProcessedUpdate, TelegramChat
from telegram_bot.selectors import (
    bot_token,
    current_bot,
    current_promos,
    history_page,
    level_progress_percent,
    open_restaurants,
)
from telegram_bot.services.notifications import (
    RATING_CALLBACK_PREFIX,
    queue_message,
    set_notifications,
)
from telegram_bot.services.staff_links import STAFF_START_PREFIX, link_staff_chat
from telegram_bot.start_links import MAX_START_PARAM_LENGTH, invite_link, parse_start_param
from wallet.configuration import wallet_configured
from wallet.selectors import add_to_wallet_url

logger = logging.getLogger(__name__)


# Telegram redelivers an update it thinks failed for up to a day; ids older than this are no longer needed.
UPDATE_IDS_KEPT = datetime.timedelta(days=2)


def forget_processed_updates(*, now: datetime.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - UPDATE_IDS_KEPT
    deleted, _ = ProcessedUpdate.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def take_in_update(*, update: dict[str, Any]) -> bool:
    """Record the update id; False for a repeat (Telegram re-sends what it thinks failed). The caller then
    processes new updates in the background."""
    update_id = update.get("update_id")
    if not isinstance(update_id, int):
        return False
    try:
        with transaction.atomic():
            ProcessedUpdate.objects.create(update_id=update_id)
    except IntegrityError:
        return False
    return True


class Conversation:
    """Replies to one chat through the chain's bot."""

    def __init__(self, token: str, chat_id: int, bot_username: str) -> None:
        self.token, self.chat_id, self.bot_username = token, chat_id, bot_username

    def say(self, text: str, markup: Any = None) -> None:
        call_bot(self.token, lambda bot: bot.send_message(chat_id=self.chat_id, text=text, reply_markup=markup))

    def photo(self, image: bytes, caption: str) -> None:
        call_bot(self.token, lambda bot: bot.send_photo(chat_id=self.chat_id, photo=image, caption=caption))


def handle_update(*, update: dict[str, Any]) -> None:
    bot = current_bot()
    if bot is None:
        return
    parsed = Update.de_json(update, None)
    try:
        if parsed.callback_query is not None:
            _on_callback(parsed.callback_query, bot_token(bot), bot.username)
        elif parsed.message is not None and parsed.message.chat.type == "private":
            _on_message(parsed.message, bot_token(bot), bot.username)
    except TelegramError as error:  # the user is gone or Telegram hiccuped: nothing to retry for a chat reply
        logger.warning("Reply to update %s failed: %s", parsed.update_id, error)


def _language_of(code: str | None) -> str:
    return "ru" if (code or "").lower().startswith("ru") else "en"


def _chat_for(message: Message) -> TelegramChat:
    user = message.from_user
    assert user is not None
    chat, _created = TelegramChat.objects.get_or_create(
        chat_id=message.chat.id,
        defaults={"user_id": user.id, "language": _language_of(user.language_code)},
    )
    chat.username, chat.first_name, chat.last_name = user.username or "", user.first_name or "", user.last_name or ""
    chat.save(update_fields=["username", "first_name", "last_name", "updated_at"])
    return chat


def _is_refused(chat: TelegramChat) -> bool:
    guest = chat.guest
    return guest is not None and guest.status != GuestStatus.ACTIVE


def _on_message(message: Message, token: str, bot_username: str) -> None:
    text = (message.text or "").strip()
    if text.startswith(f"/start {STAFF_START_PREFIX}"):
        _on_staff_start(message, text.partition(" ")[2].strip(), Conversation(token, message.chat.id, bot_username))
        return
    chat = _chat_for(message)
    talk = Conversation(token, chat.chat_id, bot_username)
    with translation.override(chat.language):
        if _is_refused(chat):
            talk.say(_("Sorry, your card is blocked. Please contact the restaurant staff."))
            return
        if message.contact is not None:
            _on_contact(chat, message, talk)
        elif text.startswith("/start"):
            _on_start(chat, text.partition(" ")[2].strip(), talk)
        elif chat.guest is not None and text in ("/menu", "/help"):
            _show_help(talk) if text == "/help" else _show_menu(chat, talk)
        elif chat.guest is not None and looks_like_fiscal_qr(text):
            _on_receipt_qr(chat.guest, text, talk)
        elif chat.guest is not None and (image_id := _receipt_image_id(message)) is not None:
            _on_receipt_photo(chat.guest, image_id, talk)
        elif chat.guest is not None and _took_rating_comment(chat.guest, text):
            talk.say(_("Thank you, we have passed your comment on to the restaurant."), _menu_markup())
        elif chat.guest is not None:
            talk.say(_("I did not understand that. Use the menu below or send /help."), _menu_markup())
        else:
            talk.say(_("To join, press the button below and share your phone number."), _contact_markup())


def _receipt_image_id(message: Message) -> str | None:
    """The file id of the image a guest sent (a photo: the largest size Telegram offers within MAX_IMAGE_BYTES; or
    an image sent as a file), or None when the message holds no image."""
    if message.photo:
        sizes = [size for size in message.photo if (size.file_size or 0) <= MAX_IMAGE_BYTES]
        return max(sizes, key=lambda size: size.width * size.height).file_id if sizes else None
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return document.file_id if (document.file_size or 0) <= MAX_IMAGE_BYTES else None
    return None


def _on_receipt_photo(guest: Guest, file_id: str, talk: Conversation) -> None:
    """The guest sent a photo of the receipt: its QR is read here (pos.qr_images) and claimed as if pasted."""

    async def download(bot: Bot) -> bytes:
        telegram_file = await bot.get_file(file_id)
        return bytes(await telegram_file.download_as_bytearray())

    try:
        image = call_bot(talk.token, download)
    except TelegramError as error:
        logger.warning("A receipt photo could not be downloaded: %s", error)
        talk.say(_("I could not download this photo. Please send it again."), _menu_markup())
        return
    texts = [text for text in qr_texts_in_image(image) if looks_like_fiscal_qr(text)]
    if not texts:
        talk.say(
            _(
                "I could not find the QR code of a fiscal receipt in this photo. Please send a sharper photo of the "
                "QR code alone, or paste the text it holds."
            ),
            _menu_markup(),
        )
        return
    _on_receipt_qr(guest, texts[0], talk)


def _on_staff_start(message: Message, param: str, talk: Conversation) -> None:
    """A staff member's "Connect Telegram" link (telegram_bot.services.staff_links): no guest conversation starts."""
    user = message.from_user
    with translation.override(_language_of(user.language_code if user else None)):
        link = link_staff_chat(
            token=param[:MAX_START_PARAM_LENGTH].removeprefix(STAFF_START_PREFIX),
            chat_id=message.chat.id,
            telegram_username=(user.username or "") if user else "",
        )
        if link is None:
            talk.say(_('This link is not valid any more. Press "Connect Telegram" on your page again.'))
            return
        talk.say(
            _("Done: alerts of %(chain)s for %(email)s will come to this chat.")
            % {"chain": current_chain().name, "email": link.user.email}
        )


def _on_receipt_qr(guest: Guest, text: str, talk: Conversation) -> None:
    """The guest pasted or forwarded the text of a fiscal receipt's QR, or sent a photo of it: the visit is claimed
    (pos.services.claims) and the guest told what happened, or why not."""
    # Imported here: the claims service tells guests through messaging, which delivers through this package.
    from pos.services.claims import claim_outcome_text, claim_receipt

    try:
        result = claim_receipt(guest=guest, qr_text=text, source=ClaimSource.BOT)
    except DomainError as refusal:
        reason = refusal.fields.get("qr", [str(refusal.message)])[0]
        talk.say(str(reason), _menu_markup())
        return
    talk.say(claim_outcome_text(result), _menu_markup())


def _contact_markup() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def _language_markup(chat: TelegramChat) -> InlineKeyboardMarkup:
    other = "en" if chat.language == "ru" else "ru"
    label = "English" if other == "en" else "Русский"
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"lang:{other}")]])


def _greet(chat: TelegramChat, talk: Conversation) -> None:
    name = current_chain().name
    talk.say(
        _("Hello! This is the loyalty program of %(chain)s. Collect points for every visit and pay with them.")
        % {"chain": name},
        _language_markup(chat),
    )
    talk.say(_("To join, press the button below and share your phone number."), _contact_markup())


def _on_start(chat: TelegramChat, param: str, talk: Conversation) -> None:
    if chat.guest is not None:
        _show_menu(chat, talk)
        return
    link = parse_start_param(param[:MAX_START_PARAM_LENGTH])
    if link.referral_card:
        chat.referrer = Guest.objects.filter(card_number=link.referral_card, status=GuestStatus.ACTIVE).first()
    if link.restaurant_id is not None:
        chat.restaurant = Restaurant.objects.filter(pk=link.restaurant_id).first()
    if link.campaign_tag:
        chat.campaign_tag = link.campaign_tag
    chat.state = ChatState.NEW
    chat.save()
    _greet(chat, talk)


def _on_contact(chat: TelegramChat, message: Message, talk: Conversation) -> None:
    contact = message.contact
    assert contact is not None and message.from_user is not None
    if chat.guest is not None:
        _show_menu(chat, talk)
        return
    if contact.user_id != message.from_user.id:
        talk.say(_("Please share your own phone number with the button below."), _contact_markup())
        return
    phone = contact.phone_number.strip()
    chat.shared_phone = phone if phone.startswith("+") else f"+{phone}"
    chat.state = ChatState.CONSENT
    chat.save(update_fields=["shared_phone", "state", "updated_at"])
    talk.say(_("Thank you!"), ReplyKeyboardRemove())
    talk.say(
        _("May we send you offers and news of the restaurants here in Telegram? You can change this at any time."),
        InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(_("Yes, send me offers"), callback_data="consent:yes")],
                [InlineKeyboardButton(_("No, thanks"), callback_data="consent:no")],
            ]
        ),
    )


@transaction.atomic
def link_or_register(*, chat: TelegramChat, consent: bool) -> tuple[Guest | None, bool]:
    """The guest with the shared phone linked to this chat, or a new guest (source Telegram) with the welcome
    bonus (loyalty's guest_registering receiver, inside the registration) and its referral recorded (paid on the
    first purchase). (None, False): refused."""
    try:
        guest: Guest | None = lookup_guest(access=None, phone=chat.shared_phone)
    except GuestNotFound:
        guest = None
    created = guest is None
    if guest is None:
        guest = create_guest(
            access=None,
            phone=chat.shared_phone,
            first_name=chat.first_name,
            last_name=chat.last_name,
            language=chat.language,
            tags=[chat.campaign_tag] if chat.campaign_tag else (),
            home_restaurant_id=chat.restaurant_id,
            source=GuestSource.TELEGRAM,
            consents={"telegram": consent},
        )
    elif guest.status != GuestStatus.ACTIVE:
        return None, False
    elif consent != guest.has_consent("telegram"):
        guest = set_consent(guest=guest, channel="telegram", given=consent)
    TelegramChat.objects.filter(guest=guest).exclude(pk=chat.pk).update(guest=None, state=ChatState.NEW)
    Guest.objects.filter(telegram_chat_id=chat.chat_id).exclude(pk=guest.pk).update(telegram_chat_id=None)
    Guest.objects.filter(pk=guest.pk).update(telegram_chat_id=chat.chat_id, telegram_username=chat.username)
    chat.guest, chat.state = guest, ChatState.LINKED
    chat.save(update_fields=["guest", "state", "updated_at"])
    referrer = chat.referrer
    if created and referrer is not None and referrer.pk != guest.pk and referrer.status == GuestStatus.ACTIVE:
        record_referral(guest=guest, referrer=referrer)  # the bonuses wait for the new guest's first purchase
    return guest, created


def _on_consent(chat: TelegramChat, consent: bool, talk: Conversation) -> None:
    if chat.guest is not None:
        _show_menu(chat, talk)
        return
    if chat.state != ChatState.CONSENT or not chat.shared_phone:
        talk.say(_("To join, press the button below and share your phone number."), _contact_markup())
        return
    try:
        guest, created = link_or_register(chat=chat, consent=consent)
    except DomainError as error:
        talk.say(str(error.message))
        return
    if guest is None:
        talk.say(_("Sorry, your card is blocked. Please contact the restaurant staff."))
        return
    balance = guest_balance(guest=guest)
    if created:
        text = ngettext(
            "Welcome! Your card number is %(card)s. You have %(points)s point.",
            "Welcome! Your card number is %(card)s. You have %(points)s points.",
            balance.available,
        )
    else:
        text = ngettext(
            "Welcome back! Your card %(card)s is now linked to Telegram. You have %(points)s point.",
            "Welcome back! Your card %(card)s is now linked to Telegram. You have %(points)s points.",
            balance.available,
        )
    queue_message(
        guest=guest,
        kind=MessageKind.WELCOME,
        text=text % {"card": guest.card_number, "points": points_text(balance.available)},
        dedupe_key=f"welcome:{guest.pk}:{chat.chat_id}",
    )
    _show_menu(chat, talk)


def _menu_markup() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("Balance and level"), callback_data="bal"),
                InlineKeyboardButton(_("My card"), callback_data="card"),
            ],
            [
                InlineKeyboardButton(_("History"), callback_data="hist:0"),
                InlineKeyboardButton(_("Promos"), callback_data="promos"),
            ],
            [
                InlineKeyboardButton(_("Restaurants"), callback_data="rest"),
                InlineKeyboardButton(_("Invite a friend"), callback_data="invite"),
            ],
            [
                InlineKeyboardButton(_("Notifications on/off"), callback_data="notif"),
                InlineKeyboardButton(_("Help"), callback_data="help"),
            ],
            *([[InlineKeyboardButton(_("Add to wallet"), callback_data="wallet")]] if wallet_configured() else []),
        ]
    )


def _show_menu(chat: TelegramChat, talk: Conversation) -> None:
    talk.say(_("What would you like to see?"), _menu_markup())


def _show_help(talk: Conversation) -> None:
    talk.say(
        _(
            "Show the QR code from “My card” at the till to collect and spend points. "
            "The menu shows your balance, history, promos and restaurants. Send /menu to open it."
        ),
        _menu_markup(),
    )


def _on_callback(query: CallbackQuery, token: str, bot_username: str) -> None:
    call_bot(token, lambda bot: bot.answer_callback_query(callback_query_id=query.id))
    chat = TelegramChat.objects.select_related("guest").filter(user_id=query.from_user.id).first()
    if chat is None:
        return
    talk = Conversation(token, chat.chat_id, bot_username)
    data = query.data or ""
    if data.startswith("lang:") and data[5:] in ("ru", "en"):
        chat.language = data[5:]
        chat.save(update_fields=["language", "updated_at"])
        if chat.guest is not None:
            Guest.objects.filter(pk=chat.guest.pk).update(language=chat.language)
    with translation.override(chat.language):
        if _is_refused(chat):
            talk.say(_("Sorry, your card is blocked. Please contact the restaurant staff."))
        elif data.startswith("consent:"):
            _on_consent(chat, data == "consent:yes", talk)
        elif chat.guest is None:
            _greet(chat, talk)
        elif data.startswith("lang:"):
            _show_menu(chat, talk)
        elif data.startswith(RATING_CALLBACK_PREFIX):
            _on_rating(chat.guest, data, talk)
        else:
            _on_menu(chat, chat.guest, data, talk)


def _on_rating(guest: Guest, data: str, talk: Conversation) -> None:
    """A score pressed on a feedback request's keyboard ("rate:<message id>:<score>"): stored as the visit's rating
    (feedback.services), then the guest is invited to add a comment in their next message."""
    # Imported here: feedback's services reach the bot's sending through messaging, which loads this package.
    from feedback.services import rate_visit_by_telegram

    message_id, _sep, score = data.removeprefix(RATING_CALLBACK_PREFIX).partition(":")
    message_number, score_number = whole_number(message_id, default=None), whole_number(score, default=None)
    if message_number is None or score_number is None:
        return
    try:
        rate_visit_by_telegram(guest=guest, message_id=message_number, score=score_number)
    except DomainError as error:
        talk.say(str(error.message))
        return
    talk.say(
        _(
            "Thank you for your rating: %(score)s out of 5! If you like, write in your next message what we could do better."
        )
        % {"score": score}
    )


def _took_rating_comment(guest: Guest, text: str) -> bool:
    """The guest's free text right after rating a visit here is that rating's comment."""
    from feedback.services import add_comment_from_telegram

    return add_comment_from_telegram(guest=guest, text=text) is not None


def _progress_bar(percent: int) -> str:
    filled = percent // 10
    return "▰" * filled + "▱" * (10 - filled) + f" {percent}%"


def _on_menu(chat: TelegramChat, guest: Guest, data: str, talk: Conversation) -> None:
    if data == "bal":
        talk.say(_balance_text(guest), _menu_markup())
    elif data == "card":
        talk.photo(
            qr_png(guest.qr_token), _("Card %(card)s. Show this QR code at the till.") % {"card": guest.card_number}
        )
    elif data.startswith("hist:"):
        page = whole_number(data[5:], default=0, maximum=100_000)
        _show_history(guest, page, talk)
    elif data == "promos":
        promos = current_promos()
        lines = [f"• {promo.name}" + (f"\n  {promo.description}" if promo.description else "") for promo in promos]
        talk.say("\n".join(lines) if lines else _("There are no promos right now."), _menu_markup())
    elif data == "rest":
        talk.say(_restaurants_text(), _menu_markup())
    elif data == "invite":
        link = invite_link(talk.bot_username, guest.card_number or "")
        talk.say(_("Invite a friend with your personal link; you both get bonus points:\n%(link)s") % {"link": link})
    elif data == "notif":
        enabled = set_notifications(guest=guest, enabled=not chat.notifications_enabled)
        talk.say(_("Notifications are on.") if enabled else _("Notifications are off."), _menu_markup())
    elif data == "help":
        _show_help(talk)
    elif data == "wallet" and (link := add_to_wallet_url(guest)):
        talk.say(
            _("Keep your card in Apple Wallet or Google Wallet: it shows your points and updates after each visit."),
            InlineKeyboardMarkup([[InlineKeyboardButton(_("Add to wallet"), url=link)]]),
        )
    else:
        _show_menu(chat, talk)


def _balance_text(guest: Guest) -> str:
    balance = guest_balance(guest=guest)
    lines = [
        ngettext("Balance: %(points)s point", "Balance: %(points)s points", balance.available)
        % {"points": points_text(balance.available)}
    ]
    if balance.pending:
        lines.append(
            ngettext("Pending: %(points)s point", "Pending: %(points)s points", balance.pending)
            % {"points": points_text(balance.pending)}
        )
    if balance.is_frozen:  # the guest hears why the till refuses to spend their points
        lines.append(_("Your points are on hold while the restaurant reviews your account: they cannot be spent now."))
    if balance.level is not None:
        lines.append(_("Level: %(level)s") % {"level": balance.level.name})
    if balance.next_level is not None and balance.spend_to_next_level_amount is not None:
        lines.append(
            _("Spend %(amount)s %(currency)s more to reach %(level)s")
            % {
                "amount": balance.spend_to_next_level_amount,
                "currency": current_chain().currency,
                "level": balance.next_level.name,
            }
        )
        lines.append(_progress_bar(level_progress_percent(balance)))
    return "\n".join(lines)


def _show_history(guest: Guest, page: int, talk: Conversation) -> None:
    entries, has_older = history_page(guest=guest, page=page)
    zone = program_context().zone
    lines = [
        f"{entry.created_at.astimezone(zone):%d.%m.%Y} {entry.points:+d} {entry.reason or entry.get_kind_display()}"
        for entry in entries
    ]
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton(_("Newer"), callback_data=f"hist:{page - 1}"))
    if has_older:
        buttons.append(InlineKeyboardButton(_("Older"), callback_data=f"hist:{page + 1}"))
    markup = InlineKeyboardMarkup([buttons, [InlineKeyboardButton(_("Menu"), callback_data="menu")]])
    talk.say("\n".join(lines) if lines else _("No points history yet."), markup)


def _restaurants_text() -> str:
    blocks = []
    for restaurant in open_restaurants():
        lines = [restaurant.name]
        if restaurant.address:
            lines.append(restaurant.address)
            lines.append(f"https://yandex.ru/maps/?text={quote_plus(restaurant.address)}")
        hours = restaurant.opening_hours
        if isinstance(hours, dict) and hours:
            lines.append(", ".join(f"{day}: {value}" for day, value in hours.items()))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else _("No restaurants yet.")


def qr_png(qr_token: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(qr_token, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()

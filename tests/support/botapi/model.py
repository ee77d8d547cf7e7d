"""Wire format and data of the Bot API test double: parsing requests, Telegram's checks on
text and keyboards, and the objects a test sees (users, chats, sent messages)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass, field
from email import policy
from email.parser import BytesParser
from html.parser import HTMLParser
from typing import Any, cast
from urllib.parse import parse_qsl

JSON = dict[str, Any]
Files = dict[str, tuple[str, bytes]]  # multipart part name -> (filename, content)


def _words(text: str) -> list[str]:
    return text.split()


# PTB JSON-encodes every non-string parameter in form and multipart bodies; these are the
# ones we read back as numbers, booleans or objects ("@channel" chat ids stay strings).
_DECODED = frozenset(
    _words(
        "reply_markup entities caption_entities commands scope allowed_updates menu_button "
        "link_preview_options reply_parameters media chat_id message_id offset limit timeout "
        "user_id message_thread_id cache_time show_alert disable_notification protect_content "
        "drop_pending_updates"
    )
)
_HTML_TAGS = frozenset(
    _words("b strong i em u ins s strike del span tg-spoiler a tg-emoji code pre blockquote")
)
_ADMIN_RIGHTS = {
    **dict.fromkeys(
        _words(
            "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
            "can_change_info can_invite_users can_post_stories can_edit_stories "
            "can_delete_stories can_pin_messages"
        ),
        True,
    ),
    **dict.fromkeys(_words("can_be_edited is_anonymous can_promote_members can_manage_topics"), False),
}
_RESTRICTED = {
    **dict.fromkeys(
        _words(
            "can_change_info can_invite_users can_pin_messages can_send_messages can_send_polls "
            "can_send_other_messages can_add_web_page_previews can_manage_topics can_send_audios "
            "can_send_documents can_send_photos can_send_videos can_send_video_notes "
            "can_send_voice_notes can_edit_tag"
        ),
        False,
    ),
    "is_member": True,
    "until_date": 0,
}
# Fields PTB requires for each ChatMember status.
_MEMBER_FIELDS: dict[str, JSON] = {
    "creator": {"is_anonymous": False},
    "administrator": _ADMIN_RIGHTS,
    "member": {},
    "restricted": _RESTRICTED,
    "left": {},
    "kicked": {"until_date": 0},
}


class ApiError(Exception):
    """An error answer of the Bot API (``ok: false``)."""

    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def payload(self) -> JSON:
        out: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            out["parameters"] = self.parameters
        return out


@dataclass(frozen=True)
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_dict(self) -> JSON:
        return {k: v for k, v in asdict(self).items() if v is not None}

    def private_chat(self) -> FakeChat:
        return FakeChat(self.id, "private", None, self.username, self.first_name, self.last_name)


@dataclass(frozen=True)
class FakeChat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool | None = None  # a supergroup with topics

    def to_dict(self) -> JSON:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class SentMessage:
    """A message the bot sent, kept up to date by later edits and deletions."""

    chat_id: int
    message_id: int
    method: str  # sendMessage | sendPhoto | sendDocument
    text: str | None  # text or caption exactly as sent (HTML tags kept)
    plain: str | None  # what the user sees: tags stripped, entities decoded
    parse_mode: str | None
    reply_markup: JSON | None
    date: int
    params: JSON = field(default_factory=dict)
    document: bytes | None = None  # uploaded bytes of a document or photo
    filename: str | None = None
    file_id: str | None = None
    edited: bool = False
    edit_date: int | None = None
    history: list[str | None] = field(default_factory=list)  # earlier texts, oldest first
    deleted: bool = False

    @property
    def shown(self) -> str:
        """What the user sees, "" for a file without a caption."""
        return self.plain or ""

    @property
    def entities(self) -> list[JSON]:
        """The entities sent with the text (sendMessage without a parse mode), as Telegram's JSON."""
        return list(self.params.get("entities") or [])

    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data or url, "" for a plain keyboard button) of every button, rows flattened."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        out: list[tuple[str, str]] = []
        for row in rows:
            for b in row:
                if isinstance(b, str):
                    out.append((b, ""))
                else:
                    out.append((b["text"], b.get("callback_data", b.get("url", ""))))
        return out

    def to_dict(self, chat: FakeChat, bot: FakeUser) -> JSON:
        """The Message object Telegram returns for it."""
        d: JSON = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": chat.to_dict(),
            "from": bot.to_dict(),
        }
        if self.method == "sendMessage":
            d["text"] = self.plain
            if self.entities:  # Telegram echoes the entities a text was sent with
                d["entities"] = self.entities
        else:
            if self.plain is not None:
                d["caption"] = self.plain
            size = len(self.document or b"")
            file = {"file_id": self.file_id, "file_unique_id": f"u{self.file_id}", "file_size": size}
            if self.method == "sendPhoto":
                d["photo"] = [{**file, "width": 320, "height": 240}]
            else:
                d["document"] = {**file, "file_name": self.filename}
        if self.edit_date is not None:
            d["edit_date"] = self.edit_date
        if self.reply_markup and "inline_keyboard" in self.reply_markup:  # Telegram echoes only these
            d["reply_markup"] = self.reply_markup
        return d


class _Html(HTMLParser):
    """Checks Telegram's HTML subset and collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS or (tag == "span" and ("class", "tg-spoiler") not in attrs):
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def visible_text(raw: str, parse_mode: str | None) -> str:
    if (parse_mode or "").upper() != "HTML":
        return raw
    parser = _Html()
    parser.feed(raw)
    parser.close()
    if parser.stack:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{parser.stack[-1]}"',
        )
    return "".join(parser.out)


def visible(params: JSON, key: str, limit: int) -> str:
    """The text or caption users will see, checked as Telegram checks it."""
    raw = params.get(key)
    text = visible_text(raw, params.get("parse_mode")) if isinstance(raw, str) else ""
    if not text.strip():
        raise ApiError(400, f"Bad Request: message {key} is empty")
    if len(text.encode("utf-16-le")) // 2 > limit:  # Telegram counts UTF-16 units
        raise ApiError(400, f"Bad Request: message {'caption ' if key == 'caption' else ''}is too long")
    return text


# What pressing an inline button does: exactly one of these is set (the others are not used here).
_BUTTON_ACTIONS = frozenset(
    _words(
        "url callback_data web_app login_url switch_inline_query switch_inline_query_current_chat "
        "switch_inline_query_chosen_chat copy_text callback_game pay"
    )
)
INLINE_BUTTONS_MAX = 100
CALLBACK_ANSWER_MAX = 200  # characters of an answerCallbackQuery text


def checked_markup(params: JSON) -> JSON | None:
    markup = params.get("reply_markup")
    if markup is not None and not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = (markup or {}).get("inline_keyboard", [])
    if sum(len(row) for row in rows) > INLINE_BUTTONS_MAX:
        raise ApiError(400, "Bad Request: REPLY_MARKUP_TOO_LONG")
    for row in rows:
        for button in row:
            actions = _BUTTON_ACTIONS & button.keys()
            if not actions:
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
            if len(actions) > 1:  # the Bot API docs: exactly one of the optional fields
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    f"exactly one of {', '.join(sorted(actions))} must be used",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def parse_body(content_type: str, body: bytes) -> tuple[JSON, Files]:
    """Parameters and uploaded files of a form, multipart or JSON request body."""
    params: JSON = {}
    files: Files = {}
    if content_type.startswith("application/json"):
        params = json.loads(body or b"{}")
    elif content_type.startswith("multipart/form-data"):
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        msg = BytesParser(policy=policy.HTTP).parsebytes(head + body)
        for part in msg.iter_parts():
            name = str(part.get_param("name", header="content-disposition"))
            content = cast(bytes, part.get_payload(decode=True))
            filename = part.get_filename()
            if filename is None:
                params[name] = content.decode()
            else:
                files[name] = (filename, content)
    elif body:
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
    for key in _DECODED & params.keys():
        if isinstance(params[key], str):
            with contextlib.suppress(ValueError):  # e.g. chat_id="@channelname"
                params[key] = json.loads(params[key])
    return params, files


def member_fields(status: str, **rights: Any) -> JSON:
    if status not in _MEMBER_FIELDS:
        raise ValueError(f"unknown chat member status {status!r}")
    return {"status": status, **_MEMBER_FIELDS[status], **rights}

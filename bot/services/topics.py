"""Forum topics: which topic of the team's group each kind of post goes to.

By default everything goes to the topic where /linkgroup was sent (General when it was sent
there); `/topic KIND` sent in another topic routes that kind there. A topic that is closed or
deleted falls back to the default (and the default to General), and the coordinators are told.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

from bot.services.access import Actor
from bot.services.errors import Reason, Refused
from storage.db import Database
from storage.queries import teams as team_rows

# A route to the General topic, which messages reach without a thread id.
GENERAL = 0


class Topic(StrEnum):
    BOARD = "board"
    CONTESTS = "contests"
    CHEERS = "cheers"
    DUELS = "duels"
    KUDOS = "kudos"
    ANNOUNCEMENTS = "announcements"


# The Polish words beside the English ones, as the command's users type them.
_WORDS = {
    "tablica": Topic.BOARD,
    "konkursy": Topic.CONTESTS,
    "gratulacje": Topic.CHEERS,
    "brawa": Topic.CHEERS,
    "pojedynki": Topic.DUELS,
    "podziekowania": Topic.KUDOS,
    "ogloszenia": Topic.ANNOUNCEMENTS,
}
# The claim kinds (keys) of the group posts of each topic; any other post takes the default.
_KINDS = (
    ("cheer:", Topic.CHEERS),
    ("contest-", Topic.CONTESTS),
    ("announce:", Topic.ANNOUNCEMENTS),
    ("duel", Topic.DUELS),
    ("kudos", Topic.KUDOS),
)


def _plain(word: str) -> str:
    """Lower case without diacritics: "Ogłoszenia" and "ogloszenia" are one word."""
    decomposed = unicodedata.normalize("NFKD", word.strip().casefold().replace("ł", "l"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def parse_topic(text: str) -> Topic:
    word = _plain(text)
    try:
        return Topic(word)
    except ValueError:
        pass
    if word in _WORDS:
        return _WORDS[word]
    raise Refused(Reason.TOPIC_USAGE)


# Telegram's answers to a post in a topic that is closed or deleted.
_GONE = ("topic_closed", "topic_deleted", "message thread not found", "thread not found")


def is_topic_gone(error: str) -> bool:
    text = error.lower()
    return any(phrase in text for phrase in _GONE)


def topic_of_kind(kind: str | None) -> Topic | None:
    """The topic a group post of this claim kind belongs to (None: the default topic)."""
    if kind is None:
        return None
    return next((topic for prefix, topic in _KINDS if kind.startswith(prefix)), None)


def thread_of(default: int | None, routes: dict[str, int] | None, topic: Topic | None) -> int | None:
    """The message_thread_id to send with (None: General, or a group without topics)."""
    if topic is not None and routes and topic.value in routes:
        routed = int(routes[topic.value])
        return routed or None
    return default


async def thread_for(db: Database, team_id: int, chat_id: int, topic: Topic | None) -> int | None:
    """The thread a post of `topic` takes in the team's group `chat_id` (None elsewhere)."""
    async with db.read() as session:
        team = await team_rows.by_id(session, team_id)
        if team.group_chat_id != chat_id:
            return None
        return thread_of(team.group_thread_id, team.topics, topic)


async def route(db: Database, actor: Actor, chat_id: int, thread_id: int | None, word: str) -> Topic:
    """`/topic KIND` in a topic of the linked group: posts of that kind go there from now on."""
    team = actor.require_coordinator()
    topic = parse_topic(word)
    async with db.write() as session:
        row = await team_rows.by_id(session, team.id)
        if row.group_chat_id != chat_id:
            raise Refused(Reason.GROUP_NOT_LINKED)
        row.topics = {**(row.topics or {}), topic.value: thread_id or GENERAL}
    return topic


async def topic_gone(db: Database, team_id: int, thread_id: int) -> bool:
    """A topic was closed or deleted: every route to it goes, and the default falls to General.

    True when something changed (so the coordinators are told once, and the post is re-sent).
    """
    async with db.write() as session:
        team = await team_rows.by_id(session, team_id)
        routes = {k: v for k, v in (team.topics or {}).items() if int(v) != thread_id}
        changed = routes != (team.topics or {}) or team.group_thread_id == thread_id
        team.topics = routes or None
        if team.group_thread_id == thread_id:
            team.group_thread_id = None
    return changed

"""End-to-end harness: the real PTB Application, polling the Bot API test server over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.deps import Deps
from bot.render import Renderer
from bot.scheduler.delivery import Deliverer
from bot.scheduler.tick import tick
from bot.services import teams
from bot.services.access import Actor, PersonData, identify
from bot.settings import Settings
from storage.db import Database
from storage.models import Member, Outbox, Person, PointEntry, Role, Sale
from tests.support.botapi import BotApiServer, FakeChat, FakeUser, SentMessage
from tests.support.clock import FakeClock, local
from tests.support.factories import add_sale

App = Application[Any, Any, Any, Any, Any, Any]


class Harness:
    def __init__(self, server: BotApiServer, app: App, deps: Deps, clock: FakeClock) -> None:
        self.server = server
        self.app = app
        self.deps = deps
        self.clock = clock
        self.db = deps.db

    async def say(
        self, user: FakeUser, text: str, chat: FakeChat | None = None, *, replies: int = 1
    ) -> list[SentMessage]:
        """Send a message as `user` and wait for the bot's `replies` new messages in that chat."""
        chat_id = chat.id if chat else user.id
        before = len(self.server.messages_to(chat_id))
        self.server.send_message(user, text, chat)
        messages = await self.server.wait_for_messages(chat_id, before + replies)
        await self.deps.background.wait()  # and the notices it handed off have gone out
        return messages[before:]

    async def tap(self, user: FakeUser, message: SentMessage, data: str, *, check: bool = True) -> str | None:
        """Press a button as `user`; returns the callback answer's text once the bot answered."""
        before = len(self.server.callback_answers)
        self.server.press(user, message, data, check=check)
        await self.server.wait_for(lambda: len(self.server.callback_answers) > before)
        await self.deps.background.wait()  # and the notices it handed off have gone out
        return self.server.callback_answers[before][1]

    async def settle(self, user: FakeUser) -> None:
        """Every update sent so far has been handled (chats are served side by side)."""
        await self.say(user, "/help")
        processor = self.app.update_processor
        await self.server.wait_for(
            lambda: (
                self.server.pending_updates() == 0
                and self.app.update_queue.empty()
                and getattr(processor, "idle", True)
            )
        )

    async def coordinator(
        self, user: FakeUser, team: str = "North", *, create: bool = True, locale: str = "pl"
    ) -> None:
        if create:
            await teams.create_team(
                self.db, team, timezone="Europe/Warsaw", locale=locale, currency="PLN", now=self.clock()
            )
        code = await teams.create_coordinator_invite(self.db, team, self.clock())
        await self.say(user, f"/start {code}")

    async def rep(self, coordinator: FakeUser, user: FakeUser) -> None:
        invite = (await self.say(coordinator, "/invite"))[0]
        link = next(line for line in invite.shown.splitlines() if "?start=" in line)
        await self.say(user, f"/start {link.split('?start=')[1].strip()}")

    async def remove(self, coordinator: FakeUser, user: FakeUser) -> None:
        """The coordinator removes `user` from the team through /team, confirming."""
        screen = (await self.say(coordinator, "/team"))[0]
        remove = next(data for label, data in screen.buttons() if user.first_name in label)
        await self.tap(coordinator, screen, remove)
        confirm = next(data for _, data in screen.buttons() if data.startswith("team:rmok:"))
        await self.tap(coordinator, screen, confirm)
        assert user.first_name in screen.shown.splitlines()[0]  # "... was removed from the team"

    async def told(self, user: FakeUser, marker: str) -> list[str]:
        """Every message to `user`'s private chat containing `marker`: sent, or waiting in the outbox."""
        async with self.db.read() as session:
            queued = (await session.scalars(select(Outbox.text).where(Outbox.chat_id == user.id))).all()
        sent = [m.shown for m in self.server.messages_to(user.id)]
        return [text for text in [*queued, *sent] if marker in text]


class Roster:
    """A team seen from a test: its coordinator and reps, with shortcuts to seed and tick."""

    def __init__(self, h: Harness, boss: FakeUser, reps: dict[str, FakeUser]) -> None:
        self.h, self.boss, self.reps = h, boss, reps

    def user(self, name: str) -> FakeUser:
        return self.reps.get(name, self.boss)

    async def actor(self, name: str) -> Actor:
        user = self.user(name)
        who = PersonData(user.id, user.first_name, user.last_name, user.username, user.language_code)
        return await identify(self.h.db, who, self.h.clock(), "en")

    async def sale(self, name: str, amount: int, at: datetime, *, recorded: datetime | None = None) -> int:
        """A sale stored directly (the report flow has its own tests); `recorded` backdates its entry."""
        sale_id = await add_sale(self.h.db, await self.actor(name), amount, at)
        if recorded is not None:
            async with self.h.db.write() as session:
                await session.execute(update(Sale).where(Sale.id == sale_id).values(created_at=recorded))
        return sale_id

    async def tick_at(self, at: datetime, db: Database | None = None) -> None:
        """One scheduler tick at `at` (on another connection pool when `db` is given)."""
        self.h.clock.now = at
        deps = self.h.deps if db is None else replace(self.h.deps, db=db)
        await tick(Deliverer(deps, self.h.app.bot))

    async def close(self, day: date, at: datetime | None = None) -> None:
        """Close `day`: a tick at its 18:00 post time (the default), or at `at`."""
        await self.tick_at(at or local(day.month, day.day, 18, 0, day.year))

    async def points(self, name: str) -> list[tuple[str, str]]:
        """The (reason, source) of every points entry of `name`, oldest first."""
        async with self.h.db.read() as session:
            rows = await session.execute(
                select(PointEntry.reason, PointEntry.source)
                .where(PointEntry.person_id == self.user(name).id)
                .order_by(PointEntry.id)
            )
            return [(r, s) for r, s in rows]

    async def give_points(self, name: str, points: int) -> None:
        """Credit `points` to `name` directly, as if earned at a day close."""
        actor = await self.actor(name)
        assert actor.team is not None
        async with self.h.db.write() as session:
            session.add(
                PointEntry(
                    team_id=actor.team.id,
                    person_id=actor.person_id,
                    delta=points,
                    reason="top_seller",
                    source=f"test:{points}",
                    created_at=self.h.clock(),
                )
            )


def button(message: SentMessage, label: str) -> str:
    """The data of the first button of `message` whose label contains `label`."""
    return next(data for text, data in message.buttons() if label in text)


async def make_roster(h: Harness, *names: str, group_id: int, locale: str = "pl") -> Roster:
    boss = h.server.user(1, "Kasia", username="kasia", language_code="en")
    await h.coordinator(boss, locale=locale)
    await h.say(boss, "/linkgroup", h.server.group(group_id, "Team"))
    reps = {}
    for i, name in enumerate(names):
        reps[name] = h.server.user(10 + i, name, username=name.lower(), language_code="en")
        await h.rep(boss, reps[name])
    return Roster(h, boss, reps)


@asynccontextmanager
async def running_bot(
    db_url: str,
    clock: FakeClock | None = None,
    server: BotApiServer | None = None,
    *,
    scheduler: bool = False,
) -> AsyncIterator[Harness]:
    """A bot on a fresh test server, or on `server` (Telegram stays up while the bot restarts)."""
    if server is None:
        with BotApiServer() as fresh:
            async with running_bot(db_url, clock, fresh, scheduler=scheduler) as harness:
                yield harness
        return
    clock = clock or FakeClock()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        token=server.token,
        database_url=db_url,
        api_base_url=server.base_url,
    )
    # Tests drive scheduler ticks themselves with the injected clock, unless they ask for the job.
    deps = Deps(settings, Database(db_url), Renderer(), clock, scheduler=scheduler)
    app = build_application(deps)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
    try:
        yield Harness(server, app, deps, clock)
    finally:
        await app.updater.stop()
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


async def seed_reps(
    h: Harness, team: str, count: int, first_id: int, name: Callable[[int], str] = "Rep{:03}".format
) -> list[FakeUser]:
    """`count` reps written straight into the database (300 /start round trips prove nothing more)."""
    info = await teams.find_team(h.db, team)
    now = h.clock()
    users = [h.server.user(first_id + i, name(i), language_code="en") for i in range(count)]
    async with h.db.write() as session:
        for user in users:
            session.add(
                Person(
                    id=user.id,
                    first_name=user.first_name,
                    last_name=None,
                    username=None,
                    language_code="en",
                    created_at=now,
                    updated_at=now,
                )
            )
        await session.flush()
        for user in users:
            session.add(Member(team_id=info.id, person_id=user.id, role=Role.REP, joined_at=now))
    return users

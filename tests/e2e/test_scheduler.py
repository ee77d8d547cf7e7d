"""The scheduler through the bot: daily posts, nudges and digests, each once, on an injected clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from bot.scheduler.delivery import Deliverer
from bot.scheduler.outputs import Outcome, run_job
from bot.scheduler.tick import tick
from bot.services import digests, teams
from bot.services.schedule import Kind
from storage.db import Database
from storage.models import Member, Outbox, OutboxStatus, Team
from tests.support.botapi import FakeChat, FakeUser
from tests.support.clock import FakeClock
from tests.support.harness import Harness, running_bot

WARSAW_1800_FRIDAY = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
EVERY_DAY = "1,2,3,4,5,6,7"


def at(month: int, day: int, hour: int) -> datetime:
    """An instant of 2026 in UTC."""
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    async with running_bot(db_url, FakeClock(WARSAW_1800_FRIDAY - timedelta(hours=3))) as harness:
        yield harness


def deliverer(h: Harness, db: Database | None = None) -> Deliverer:
    deps = (
        h.deps if db is None else type(h.deps)(h.deps.settings, db, h.deps.renderer, h.clock, scheduler=False)
    )
    return Deliverer(deps, h.app.bot)


async def team_with_group(
    h: Harness, name: str = "North", group_id: int = -1001
) -> tuple[FakeUser, FakeChat]:
    boss = h.server.user(abs(group_id) * 10, f"Boss {name}", language_code="pl")
    await h.coordinator(boss, name)
    group = h.server.group(group_id, f"Group {name}")
    await h.say(boss, "/linkgroup", group)
    return boss, group


async def set_days(db: Database, name: str, days: str, country: str | None = "PL") -> None:
    async with db.write() as session:
        await session.execute(
            update(Team).where(Team.name == name).values(post_days=days, holiday_country=country)
        )


async def run_ticks(
    h: Harness, start: datetime, end: datetime, step: timedelta = timedelta(minutes=1)
) -> None:
    h.clock.now = start
    d = deliverer(h)
    while h.clock.now < end:
        await tick(d)
        h.clock.now += step


def posts(h: Harness, group: FakeChat) -> list[datetime]:
    return [datetime.fromtimestamp(m.date, UTC) for m in h.server.messages_to(group.id) if "📊" in m.shown]


@pytest.mark.parametrize(
    ("days", "start", "end", "expected"),
    [
        (EVERY_DAY, at(3, 28, 0), at(3, 28, 23), [at(3, 28, 17)]),
        (EVERY_DAY, at(3, 29, 0), at(3, 29, 23), [at(3, 29, 16)]),
        (EVERY_DAY, at(10, 25, 0), at(10, 25, 23), [at(10, 25, 17)]),
        ("1,2,3,4,5", at(3, 27, 0), at(3, 30, 23), [at(3, 27, 17), at(3, 30, 16)]),
    ],
)
async def test_the_daily_post_follows_local_time_across_dst(
    h: Harness, days: str, start: datetime, end: datetime, expected: list[datetime]
) -> None:
    _, group = await team_with_group(h)
    await set_days(h.db, "North", days)
    sent_at: list[datetime] = []
    h.clock.now = start
    d = deliverer(h)
    while h.clock.now < end:
        before = len(posts(h, group))
        await tick(d)
        if len(posts(h, group)) > before:
            sent_at.append(h.clock.now)
        # Every minute near the posts, every 20 minutes elsewhere: claims make extra ticks no-ops.
        near = any(abs(h.clock.now - e) < timedelta(hours=1) for e in expected)
        h.clock.now += timedelta(minutes=1 if near else 20)
    assert sent_at == expected


async def test_the_daily_post_shows_the_results_is_pinned_and_the_next_replaces_the_pin(h: Harness) -> None:
    boss, group = await team_with_group(h)
    rep = h.server.user(2, "Anna", language_code="pl")
    await h.rep(boss, rep)
    h.clock.now = WARSAW_1800_FRIDAY - timedelta(hours=1)
    card = (await h.say(rep, "/report 1 234,50 Acme"))[0]
    await h.tap(rep, card, next(d for t, d in card.buttons() if t == "Zapisz"))
    h.clock.now = WARSAW_1800_FRIDAY
    await tick(deliverer(h))
    post = h.server.last_to(group.id)
    assert "Wyniki dnia, 27.11.2026" in post.shown
    assert "1. Anna — 1\xa0234,50\xa0zł" in post.shown and "Najlepszy sprzedawca dnia: Anna" in post.shown
    assert h.server.pinned[group.id] == post.message_id
    # Monday's post replaces the pin.
    h.clock.now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
    await tick(deliverer(h))
    monday = h.server.last_to(group.id)
    assert h.server.pinned[group.id] == monday.message_id
    assert any(p.get("message_id") == post.message_id for p in h.server.calls_of("unpinChatMessage"))


async def test_without_pin_rights_the_post_goes_out_and_coordinators_are_told_once(h: Harness) -> None:
    boss, group = await team_with_group(h)
    h.server.set_member_status(group.id, h.server.bot_user.id, "administrator", can_pin_messages=False)
    for day in (WARSAW_1800_FRIDAY, WARSAW_1800_FRIDAY + timedelta(days=3)):
        h.clock.now = day
        await tick(deliverer(h))
    assert len(posts(h, group)) == 2
    told = [m for m in h.server.messages_to(boss.id) if "przypiąć" in m.shown]
    assert len(told) == 1


async def test_a_post_missed_in_downtime_is_caught_up_once_within_three_hours(h: Harness) -> None:
    _, group = await team_with_group(h)
    local_1755 = datetime(2026, 11, 27, 16, 55, tzinfo=UTC)
    h.clock.now = local_1755
    await tick(deliverer(h))
    assert posts(h, group) == []
    # Down from 17:55 to 18:30: the first tick after start sends it.
    h.clock.now = local_1755 + timedelta(minutes=35)
    await tick(deliverer(h))
    assert len(posts(h, group)) == 1
    # Restarted again at 18:40: a new deliverer on a new connection pool, nothing more.
    db2 = Database(h.deps.settings.database_url)
    h.clock.now = local_1755 + timedelta(minutes=45)
    await tick(deliverer(h, db2))
    await db2.dispose()
    assert len(posts(h, group)) == 1
    # After the catch-up window nothing is sent late.
    h.clock.now = datetime(2026, 11, 30, 20, 1, tzinfo=UTC)  # Monday, 21:01 local: 3 h after 18:00
    await tick(deliverer(h))
    assert len(posts(h, group)) == 1


async def test_two_tick_loops_send_each_output_once(h: Harness) -> None:
    boss, group = await team_with_group(h)
    reps = [h.server.user(100 + i, f"Rep{i}", language_code="en") for i in range(3)]
    for rep in reps:
        await h.rep(boss, rep)
    db2 = Database(h.deps.settings.database_url)
    first, second = deliverer(h), deliverer(h, db2)
    for instant in (
        datetime(2026, 11, 27, 16, 0, tzinfo=UTC),  # the 17:00 nudge
        WARSAW_1800_FRIDAY,  # the 18:00 post
        datetime(2026, 11, 30, 7, 0, tzinfo=UTC),  # Monday 08:00: daily and weekly digests
    ):
        h.clock.now = instant
        await asyncio.gather(tick(first), tick(second), tick(first), tick(second))
    await db2.dispose()
    assert len(posts(h, group)) == 1
    for rep in reps:
        assert len([m for m in h.server.messages_to(rep.id) if "👋" in m.shown]) == 1
    coordinator_messages = [m.shown for m in h.server.messages_to(boss.id)]
    assert len([t for t in coordinator_messages if "Podsumowanie dnia" in t]) == 1
    assert len([t for t in coordinator_messages if "Podsumowanie tygodnia" in t]) == 1


async def test_fan_out_survives_faults_and_a_crash_without_sending_twice(h: Harness) -> None:
    groups: list[FakeChat] = []
    for i in range(50):
        _, group = await team_with_group(h, f"T{i:02}", -2000 - i)
        groups.append(group)
    faults = {3: "forbidden", 7: "chat_not_found", 11: "migrate", 15: "retry_after", 20: "retry_after"}
    for index, kind in faults.items():
        h.server.fail("sendMessage", chat_id=groups[index].id, kind=kind, retry_after=1)
    h.clock.now = WARSAW_1800_FRIDAY
    d = deliverer(h)

    def posted() -> int:
        return sum(len(posts(h, g)) for g in groups)

    # Crash midway: the delivering task dies after some posts went out.
    task = asyncio.create_task(tick(d))
    await h.server.wait_for(lambda: posted() >= 20, timeout=60)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Restart: a new deliverer, a tick 11 minutes later settles the in-flight send as unknown.
    h.clock.now += timedelta(minutes=11)
    await tick(deliverer(h))
    # A chat that met its 429 just before the crash stays blocked by the pacer for the real
    # retry_after: later ticks send it once that has passed (bounded, so a bug still fails).
    for _ in range(30):
        async with h.db.read() as session:
            pending = await session.scalar(
                select(func.count()).select_from(Outbox).where(Outbox.status == OutboxStatus.PENDING)
            )
        if not pending:
            break
        await asyncio.sleep(0.2)
        h.clock.now += timedelta(seconds=30)
        await tick(deliverer(h))
    async with h.db.read() as session:
        statuses = dict((await session.execute(select(Outbox.chat_id, Outbox.status))).all())
        migrated_team = await session.scalar(select(Team).where(Team.name == "T11"))
    assert migrated_team is not None and migrated_team.group_chat_id == -1002011
    unknown = [chat for chat, status in statuses.items() if status == OutboxStatus.UNKNOWN]
    for index, group in enumerate(groups):
        count = len(posts(h, group))
        if index in (3, 7):
            assert count == 0
        elif index == 11:
            assert count == 0 and len(posts(h, FakeChat(-1002011, "supergroup", ""))) == 1
        elif group.id in unknown:
            assert count <= 1  # in flight at the crash: maybe arrived, never sent twice
        else:
            assert count == 1, (index, statuses.get(group.id))
    assert statuses[groups[3].id] == OutboxStatus.FORBIDDEN
    assert statuses[groups[7].id] == OutboxStatus.FAILED
    assert len(unknown) <= 1


async def test_a_connection_lost_after_telegram_took_the_daily_post_leaves_one_post_marked_unknown(
    h: Harness,
) -> None:
    """Telegram performed sendMessage but the answer never came: never resent, counted in the digest."""
    boss, group = await team_with_group(h)
    h.server.fail("sendMessage", chat_id=group.id, kind="reset")
    h.clock.now = WARSAW_1800_FRIDAY
    await tick(deliverer(h))
    # Later ticks (the in-flight limit long passed) do not send it again.
    h.clock.now += timedelta(minutes=11)
    await tick(deliverer(h))
    assert len(posts(h, group)) == 1
    async with h.db.read() as session:
        status = await session.scalar(select(Outbox.status).where(Outbox.chat_id == group.id))
    assert status == OutboxStatus.UNKNOWN
    h.clock.now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00: the digest
    await tick(deliverer(h))
    digest = next(m.shown for m in h.server.messages_to(boss.id) if "Podsumowanie dnia" in m.shown)
    assert "1 wiadomość mogła nie dotrzeć" in digest
    assert len(posts(h, group)) == 1


async def test_the_nudge_skips_holidays_sellers_and_who_said_no_sales(h: Harness) -> None:
    boss, _ = await team_with_group(h)
    quiet = h.server.user(2, "Quiet", language_code="en")
    busy = h.server.user(3, "Busy", language_code="en")
    other = h.server.user(4, "Other", language_code="en")
    for rep in (quiet, busy, other):
        await h.rep(boss, rep)
    # 2026-11-11 is a public holiday: nobody is nudged.
    h.clock.now = datetime(2026, 11, 11, 16, 0, tzinfo=UTC)
    await tick(deliverer(h))
    assert not any("👋" in m.shown for m in h.server.sent)
    h.clock.now = datetime(2026, 11, 12, 15, 0, tzinfo=UTC)
    card = (await h.say(busy, "/report 10 Acme"))[0]
    await h.tap(busy, card, next(d for t, d in card.buttons() if t == "Save"))
    h.clock.now = datetime(2026, 11, 12, 16, 0, tzinfo=UTC)
    await tick(deliverer(h))
    nudge = h.server.last_to(quiet.id)
    assert "👋" in nudge.shown and not any("👋" in m.shown for m in h.server.messages_to(busy.id))
    await h.tap(quiet, nudge, next(d for _, d in nudge.buttons() if d.startswith("nudge:none:")))
    assert "Noted" in nudge.shown
    # `jobs run nudge --force` nudges again only who neither sold nor said "no sales".
    schedule = await digests.schedule_of(h.db, (await teams.find_team(h.db, "North")).id)
    result = await run_job(deliverer(h), schedule, Kind.NUDGE, date(2026, 11, 12), force=True)
    assert (result.outcome, result.recipients) == (Outcome.SENT, 1)
    assert len([m for m in h.server.messages_to(other.id) if "👋" in m.shown]) == 2
    # Quiet's one nudge was answered (edited to "Noted"); no second one came.
    assert len([m for m in h.server.messages_to(quiet.id) if "👋" in m.shown or "Noted" in m.shown]) == 1


async def test_the_daily_digest_covers_days_off_and_names_the_silent_and_unreachable(h: Harness) -> None:
    boss, _ = await team_with_group(h)
    seller = h.server.user(2, "Seller", language_code="en")
    silent = h.server.user(3, "Silent", language_code="en")
    for rep in (seller, silent):
        await h.rep(boss, rep)
    h.clock.now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # Saturday
    card = (await h.say(seller, "/report 50 Weekend client"))[0]
    await h.tap(seller, card, next(d for t, d in card.buttons() if t == "Save"))
    async with h.db.write() as session:
        await session.execute(
            update(Member).where(Member.person_id == silent.id).values(unreachable_at=h.clock.now)
        )
    h.clock.now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00
    await tick(deliverer(h))
    digest = next(m.shown for m in h.server.messages_to(boss.id) if "Podsumowanie dnia" in m.shown)
    assert "27.11.2026 do 29.11.2026" in digest  # Friday to Sunday
    assert "Seller — 50,00\xa0zł" in digest
    assert "Bez zgłoszeń: Silent" in digest and "Brak kontaktu z botem: Silent" in digest
    on_demand = (await h.say(boss, "/digest"))[0]
    assert "Seller — 50,00\xa0zł" in on_demand.shown


async def test_forbidden_private_chat_marks_the_rep_unreachable(h: Harness) -> None:
    boss, _ = await team_with_group(h)
    rep = h.server.user(2, "Blocked", language_code="en")
    await h.rep(boss, rep)
    h.server.set_member_status(rep.id, h.server.bot_user.id, "kicked")
    h.clock.now = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    await tick(deliverer(h))
    async with h.db.read() as session:
        member = await session.scalar(select(Member).where(Member.person_id == rep.id))
    assert member is not None and member.unreachable_at == h.clock.now


async def test_unreachable_clears_when_the_rep_writes_again(h: Harness) -> None:
    boss, _ = await team_with_group(h)
    rep = h.server.user(2, "Back", language_code="en")
    await h.rep(boss, rep)
    async with h.db.write() as session:
        await session.execute(
            update(Member).where(Member.person_id == rep.id).values(unreachable_at=h.clock.now)
        )
    await h.say(rep, "/me")
    async with h.db.read() as session:
        member = await session.scalar(select(Member).where(Member.person_id == rep.id))
    assert member is not None and member.unreachable_at is None


async def test_settings_change_the_schedule_within_a_tick(h: Harness) -> None:
    boss, group = await team_with_group(h)
    screen = (await h.say(boss, "/settings"))[0]
    assert "18:00" in screen.shown and "pon., wt., śr., czw., pt." in screen.shown
    await h.tap(boss, screen, "set:ask:post_time")
    assert "18:00" in h.server.last_to(boss.id).shown  # the question, with an example
    assert "GG:MM" in (await h.say(boss, "25:99"))[0].shown  # refused, asked again
    updated = (await h.say(boss, "9:30"))[0]
    assert "o 09:30" in updated.shown
    await h.tap(boss, updated, "set:day:6")  # Saturday added
    assert "sob." in updated.shown
    # Saturday 2026-11-28, 09:30 Warsaw = 08:30 UTC: the post goes out on the next tick.
    h.clock.now = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)
    await tick(deliverer(h))
    assert len(posts(h, group)) == 1
    # A holiday of the team's own: no post that day.
    added = (await h.say(boss, "/holiday 2026-12-05"))[0]
    assert "05.12.2026" in added.shown
    h.clock.now = datetime(2026, 12, 5, 8, 30, tzinfo=UTC)
    await tick(deliverer(h))
    assert len(posts(h, group)) == 1
    assert "RRRR-MM-DD" in (await h.say(boss, "/holiday tomorrow"))[0].shown
    # Public holidays can be switched off.
    await h.tap(boss, updated, "set:ask:country")
    assert "nie są" in (await h.say(boss, "-"))[0].shown
    rep = h.server.user(3, "Rep", language_code="pl")
    await h.rep(boss, rep)
    answer = await h.tap(rep, h.server.last_to(rep.id), "set:day:7", check=False)
    assert answer is not None and "koordynator" in answer


async def test_the_job_queue_runs_the_tick_inside_the_bot(db_url: str) -> None:
    """The real wiring: `salesbot run`'s JobQueue job ticks on its own, no test-driven tick."""
    async with running_bot(db_url, FakeClock(WARSAW_1800_FRIDAY), scheduler=True) as h:
        _, group = await team_with_group(h)
        await h.server.wait_for(lambda: posts(h, group), timeout=15)
        assert h.app.job_queue is not None
        assert [job.name for job in h.app.job_queue.jobs() if job.name == "scheduler"] == ["scheduler"]


async def test_the_weekly_digest_compares_weeks_and_names_the_movers(h: Harness) -> None:
    boss, _ = await team_with_group(h)
    riser = h.server.user(2, "Riser", language_code="en")
    faller = h.server.user(3, "Faller", language_code="en")
    for rep in (riser, faller):
        await h.rep(boss, rep)
    for when, rep, amount in (
        (datetime(2026, 11, 17, 10, tzinfo=UTC), faller, "500"),  # the week before
        (datetime(2026, 11, 18, 10, tzinfo=UTC), riser, "100"),
        (datetime(2026, 11, 24, 10, tzinfo=UTC), riser, "400"),  # last week
        (datetime(2026, 11, 25, 10, tzinfo=UTC), faller, "50"),
    ):
        h.clock.now = when
        card = (await h.say(rep, f"/report {amount} Client"))[0]
        await h.tap(rep, card, next(d for t, d in card.buttons() if t == "Save"))
    h.clock.now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    await tick(deliverer(h))
    weekly = next(m.shown for m in h.server.messages_to(boss.id) if "Podsumowanie tygodnia" in m.shown)
    assert "23.11.2026 – 29.11.2026" in weekly
    assert "Riser — 400,00\xa0zł (+300,00\xa0zł)" in weekly
    assert "Faller — 50,00\xa0zł (-450,00\xa0zł)" in weekly
    assert "Największy wzrost: Riser" in weekly and "Największy spadek: Faller" in weekly


async def test_the_weekly_digest_is_keyed_by_the_monday_of_its_week(h: Harness) -> None:
    boss, _ = await team_with_group(h)
    schedule = await digests.schedule_of(h.db, (await teams.find_team(h.db, "North")).id)
    wednesday = await run_job(deliverer(h), schedule, Kind.DIGEST_WEEKLY, date(2026, 12, 2))
    assert (wednesday.outcome, wednesday.recipients) == (Outcome.SENT, 1)
    monday = await run_job(deliverer(h), schedule, Kind.DIGEST_WEEKLY, date(2026, 11, 30))
    assert monday.outcome is Outcome.ALREADY  # the same ISO week, the same claim
    forced = await run_job(deliverer(h), schedule, Kind.DIGEST_WEEKLY, date(2026, 11, 30), force=True)
    assert forced.outcome is Outcome.SENT
    weekly = [m.shown for m in h.server.messages_to(boss.id) if "Podsumowanie tygodnia" in m.shown]
    assert len(weekly) == 2 and all("23.11.2026 – 29.11.2026" in text for text in weekly)


async def test_digest_is_private(h: Harness) -> None:
    boss, group = await team_with_group(h)
    refused = (await h.say(boss, "/digest", group))[0]
    assert "czacie prywatnym" in refused.shown

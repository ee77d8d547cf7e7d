"""The daily prune: what is older than the retention period goes, a claim still guarding a repeat stays."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.deps import Deps
from bot.render import Renderer
from bot.scheduler.delivery import Deliverer
from bot.scheduler.outputs import Outcome, produce
from bot.scheduler.retention import daily_prune
from bot.services import digests, retention
from bot.services.access import PersonData, identify
from bot.services.schedule import Kind
from bot.settings import Settings
from storage.db import Database
from storage.models import (
    Celebration,
    Claim,
    Client,
    Contest,
    Draft,
    InboxUpdate,
    Invite,
    Outbox,
    Person,
    Role,
)
from tests.support.clock import FakeClock
from tests.support.factories import T0, make_member, make_team

NOW = T0 + timedelta(days=200)
OLD = NOW - timedelta(days=91)  # beyond the default 90 days
RECENT = NOW - timedelta(days=10)
STRANGER, NEWCOMER = 6660001111, 6660002222


async def _setup(db: Database) -> dict[str, Any]:
    await make_team(db)
    coordinator = await make_member(db, "North", 11, Role.COORDINATOR)
    assert coordinator.team is not None
    team_id = coordinator.team.id
    await identify(db, PersonData(STRANGER, "Stranger"), NOW - timedelta(days=2), "en")
    await identify(db, PersonData(NEWCOMER, "Newcomer"), NOW - timedelta(hours=1), "en")
    async with db.write() as session:
        contest = Contest(
            team_id=team_id, title="Long run", kind="amount", starts_at=OLD, ends_at=NOW + timedelta(days=30),
            prizes={}, created_by=11, created_at=OLD,
        )  # fmt: skip
        key_client = Client(team_id=team_id, name="Key", key="key", is_key=True, created_at=OLD)
        plain_client = Client(team_id=team_id, name="Plain", key="plain", created_at=OLD)
        session.add_all([contest, key_client, plain_client])
        await session.flush()
        claims = {
            "old_post": Claim(team_id=team_id, kind="daily-post", day=OLD.date(), claimed_at=OLD),
            "close": Claim(
                team_id=team_id, kind="daily-rewards", day=(NOW - timedelta(days=3)).date(),
                claimed_at=NOW - timedelta(days=3),
            ),
            # An old day close: it marks that day closed for good (late voids, corrections).
            "old_close": Claim(team_id=team_id, kind="daily-rewards", day=OLD.date(), claimed_at=OLD),
            "contest_start": Claim(team_id=team_id, kind=f"contest-start:{contest.id}", day=date.min,
                                   claimed_at=OLD),
            "key_lapse": Claim(team_id=team_id, kind=f"key-lapse:{key_client.id}:20260101000000",
                               day=date.min, claimed_at=OLD),
            "plain_lapse": Claim(team_id=team_id, kind=f"key-lapse:{plain_client.id}:20260101000000",
                                 day=date.min, claimed_at=OLD),
            "still_sending": Claim(team_id=team_id, kind="announce:1", day=date.min, claimed_at=OLD),
        }  # fmt: skip
        session.add_all(claims.values())
        await session.flush()
        session.add_all(
            [
                InboxUpdate(update_id=1, payload={}, received_at=NOW - timedelta(days=8), handled_at=NOW),
                InboxUpdate(update_id=2, payload={}, received_at=NOW - timedelta(days=6), handled_at=NOW),
                InboxUpdate(update_id=3, payload={}, received_at=NOW - timedelta(days=8)),
                Outbox(claim_id=claims["old_post"].id, chat_id=1, text="sent", status="sent", updated_at=OLD),
                Outbox(chat_id=1, text="failed", status="failed", updated_at=OLD),
                Outbox(chat_id=1, text="recent", status="sent", updated_at=RECENT),
                Outbox(claim_id=claims["still_sending"].id, chat_id=1, text="waiting", status="pending",
                       updated_at=OLD),
                Celebration(team_id=team_id, person_id=11, kind="big_deal", key="big:1", amount_minor=1,
                            created_at=OLD),
                Celebration(team_id=team_id, person_id=11, kind="big_deal", key="big:2", amount_minor=1,
                            created_at=RECENT),
                Draft(person_id=11, kind="report", step="client", data={}, token="old", started_at=OLD,
                      updated_at=OLD),
                Invite(team_id=team_id, code="used-coordinator", role="coordinator", created_at=OLD,
                       used_at=OLD, used_by=11),
                Invite(team_id=team_id, code="expired-rep", role="rep", created_at=OLD,
                       expires_at=OLD),
                Invite(team_id=team_id, code="live-rep", role="rep", created_at=RECENT,
                       expires_at=NOW + timedelta(days=1), used_at=OLD),
                Invite(team_id=team_id, code="unused-coordinator", role="coordinator", created_at=OLD),
            ]
        )  # fmt: skip
    return {"team_id": team_id, "claims": {k: c.id for k, c in claims.items()}}


async def test_daily_prune_removes_what_is_past_retention_and_keeps_guarding_claims(
    db: Database, renderer: Renderer
) -> None:
    """Updates over a week, settled messages, celebrations, drafts, used or expired invites and
    claims over 90 days go; pending messages, live invites, a running contest's start, a key
    client's lapse and a day close of this week stay, and that close is still not repeated."""
    setup = await _setup(db)
    pruned = await retention.prune(db, NOW, timedelta(days=90))
    assert pruned.strangers == 1
    async with db.read() as session:
        assert set((await session.scalars(select(InboxUpdate.update_id))).all()) == {2, 3}
        assert set((await session.scalars(select(Outbox.text))).all()) == {"recent", "waiting"}
        assert (await session.scalars(select(Celebration.key))).all() == ["big:2"]
        assert (await session.scalars(select(Draft.token))).all() == []
        assert set((await session.scalars(select(Invite.code))).all()) == {"live-rep", "unused-coordinator"}
        kept = set((await session.scalars(select(Claim.id))).all())
        people = set((await session.scalars(select(Person.id))).all())
    claims = setup["claims"]
    assert kept == {claims[k] for k in ("close", "old_close", "contest_start", "key_lapse", "still_sending")}
    # A stranger who wrote two days ago and never joined is gone; one from an hour ago may still join.
    assert people == {11, NEWCOMER}
    schedule = await digests.schedule_of(db, setup["team_id"])
    outcome, _ = await produce(
        db, renderer, "en", schedule, Kind.DAILY_REWARDS, (NOW - timedelta(days=3)).date(), NOW
    )
    assert outcome is Outcome.ALREADY


async def test_the_prune_runs_once_a_day_across_processes(db: Database, renderer: Renderer) -> None:
    """Two schedulers on one database: the first tick of the day prunes, the others find it claimed."""
    await _setup(db)
    clock = FakeClock(NOW)
    first = Deliverer(Deps(Settings(), db, renderer, clock, scheduler=False), cast(Any, None))
    second = Deliverer(Deps(Settings(), db, renderer, clock, scheduler=False), cast(Any, None))
    await daily_prune(first)
    async with db.write() as session:  # something old arrives after today's prune
        session.add(Outbox(chat_id=1, text="late", status="sent", updated_at=OLD))
    await daily_prune(second)
    await daily_prune(first)
    async with db.read() as session:
        assert "late" in (await session.scalars(select(Outbox.text))).all()
        prunes = (await session.scalars(select(Claim.day).where(Claim.kind == retention.DAILY_KIND))).all()
    assert prunes == [NOW.date()]
    clock.now = NOW + timedelta(days=1)
    await daily_prune(second)
    async with db.read() as session:
        assert "late" not in (await session.scalars(select(Outbox.text))).all()


def test_retention_under_two_weeks_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """SALESBOT_RETENTION_DAYS below 14 is a bad setting; 14 is accepted, 90 the default."""
    monkeypatch.delenv("SALESBOT_RETENTION_DAYS", raising=False)
    assert Settings(_env_file=None).retention_days == 90  # type: ignore[call-arg]
    monkeypatch.setenv("SALESBOT_RETENTION_DAYS", "14")
    assert Settings(_env_file=None).retention_days == 14  # type: ignore[call-arg]
    monkeypatch.setenv("SALESBOT_RETENTION_DAYS", "13")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]

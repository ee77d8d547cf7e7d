"""A team whose linked group speaks English: the team of the catalogue, contest and celebration tests."""

from __future__ import annotations

from tests.support.harness import Harness, Roster, make_roster

GROUP = -1077


async def make_team(h: Harness, *names: str) -> Roster:
    return await make_roster(h, *names, group_id=GROUP, locale="en")  # the group speaks English


def group_posts(h: Harness, marker: str) -> list[str]:
    return [m.shown for m in h.server.messages_to(GROUP) if marker in m.shown]

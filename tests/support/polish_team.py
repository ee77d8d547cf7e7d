"""A team whose linked group speaks Polish, the team's language: the team of the target and reward tests."""

from __future__ import annotations

from tests.support.harness import Harness, Roster, make_roster

GROUP = -1009


async def make_team(h: Harness, *names: str) -> Roster:
    return await make_roster(h, *names, group_id=GROUP)

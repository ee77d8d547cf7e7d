"""Queries per table. They take the caller's session and never commit: services own transactions.

`members` holds the one definition of an active member, `teams` a team's zone and lookups;
`dialect` the statements that differ between SQLite and PostgreSQL.
"""

from storage.queries.dialect import insert_ignore, notify, upsert

__all__ = ["insert_ignore", "notify", "upsert"]

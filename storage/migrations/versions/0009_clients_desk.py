"""clients desk: clients matched across punctuation (colliding ones merged), owner, kind, key flag,
contacts and notes; the team's key-client threshold; sales indexed by client

Today's clients whose names now share a key are merged: the oldest keeps its spelling, the
others' sales point to it and the others go. A downgrade cannot split them again; it puts back
the old keys of the clients that remain.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:15:00.000000
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def old_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def new_key(name: str) -> str:
    """A frozen copy of bot.services.parsing.client_key as of this revision."""
    spaced = "".join(" " if unicodedata.category(c).startswith("P") else c for c in name.casefold())
    return " ".join(spaced.split()) or old_key(name)


clients = sa.table(
    "clients",
    sa.column("id", sa.Integer()),
    sa.column("team_id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("key", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("owner_id", sa.BigInteger()),
)
sales = sa.table(
    "sales",
    sa.column("id", sa.Integer()),
    sa.column("client_id", sa.Integer()),
    sa.column("person_id", sa.BigInteger()),
    sa.column("team_id", sa.Integer()),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("voided_at", sa.DateTime(timezone=True)),
)
members = sa.table(
    "members",
    sa.column("team_id", sa.Integer()),
    sa.column("person_id", sa.BigInteger()),
    sa.column("removed_at", sa.DateTime(timezone=True)),
)


def merge_clients(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.select(clients.c.id, clients.c.team_id, clients.c.name, clients.c.key).order_by(
            clients.c.created_at, clients.c.id
        )
    ).all()
    keepers: dict[tuple[int, str], int] = {}
    renamed: list[tuple[int, str]] = []
    for client_id, team_id, name, key in rows:
        folded = new_key(name)
        keeper = keepers.setdefault((team_id, folded), client_id)
        if keeper != client_id:
            conn.execute(sa.update(sales).where(sales.c.client_id == client_id).values(client_id=keeper))
            conn.execute(sa.delete(clients).where(clients.c.id == client_id))
        elif folded != key:
            renamed.append((client_id, folded))
    # After the deletions: a key taken by a merged-away row is free now.
    for client_id, folded in renamed:
        conn.execute(sa.update(clients).where(clients.c.id == client_id).values(key=folded))


def first_sellers(conn: sa.Connection) -> None:
    """Each client's owner: whoever sold to it first, when they are still in its team."""
    first = (
        sa.select(sales.c.person_id)
        .where(sales.c.client_id == clients.c.id, sales.c.voided_at.is_(None))
        .where(
            sa.exists().where(
                members.c.team_id == sales.c.team_id,
                members.c.person_id == sales.c.person_id,
                members.c.removed_at.is_(None),
            )
        )
        .order_by(sales.c.occurred_at, sales.c.id)
        .limit(1)
        .scalar_subquery()
    )
    conn.execute(sa.update(clients).values(owner_id=first))


def upgrade() -> None:
    conn = op.get_bind()
    merge_clients(conn)
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="company", nullable=False))
        batch_op.add_column(sa.Column("is_key", sa.Boolean(), server_default="0", nullable=False))
        batch_op.create_foreign_key(batch_op.f("fk_clients_owner_id_people"), "people", ["owner_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_clients_owner_id"), ["owner_id"], unique=False)
    first_sellers(conn)
    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.create_index("ix_sales_client_occurred", ["client_id", "occurred_at"], unique=False)
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_client_days", sa.Integer(), server_default="14", nullable=False))
    op.create_table(
        "client_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_client_contacts_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_client_contacts_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_contacts")),
    )
    with op.batch_alter_table("client_contacts", schema=None) as batch_op:
        batch_op.create_index("ix_client_contacts_client_at", ["client_id", "at"], unique=False)
    op.create_table(
        "client_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_client_notes_client_id_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_client_notes_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_notes")),
    )
    with op.batch_alter_table("client_notes", schema=None) as batch_op:
        batch_op.create_index("ix_client_notes_client_at", ["client_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("client_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_client_notes_client_at")
    op.drop_table("client_notes")
    with op.batch_alter_table("client_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_client_contacts_client_at")
    op.drop_table("client_contacts")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("key_client_days")
    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_client_occurred")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clients_owner_id"))
        batch_op.drop_constraint(batch_op.f("fk_clients_owner_id_people"), type_="foreignkey")
        batch_op.drop_column("is_key")
        batch_op.drop_column("kind")
        batch_op.drop_column("owner_id")
    conn = op.get_bind()
    for client_id, name in conn.execute(sa.select(clients.c.id, clients.c.name)).all():
        conn.execute(sa.update(clients).where(clients.c.id == client_id).values(key=old_key(name)))

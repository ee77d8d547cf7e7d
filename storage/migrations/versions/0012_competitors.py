"""competitors: a team's competitors (matched like clients) and the notes of what was seen

Revision ID: 0012_competitors
Revises: 0011_tasks
Create Date: 2026-12-03 14:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_competitors"
# The clients desk (storage/migrations/versions/0009_clients_desk.py, whose revision id is "0009").
down_revision: str | None = "0011_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "competitors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_competitors_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitors")),
        sa.UniqueConstraint("team_id", "key", name="uq_competitors_team_key"),
    )
    op.create_table(
        "competitor_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("competitor_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("draft_token", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_competitor_notes_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["competitor_id"],
            ["competitors.id"],
            name=op.f("fk_competitor_notes_competitor_id_competitors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_competitor_notes_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_competitor_notes_client_id_clients"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitor_notes")),
        sa.UniqueConstraint("draft_token", name=op.f("uq_competitor_notes_draft_token")),
    )
    with op.batch_alter_table("competitor_notes", schema=None) as batch_op:
        batch_op.create_index("ix_competitor_notes_team_created", ["team_id", "created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_competitor_notes_competitor_id"), ["competitor_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("competitor_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_competitor_notes_competitor_id"))
        batch_op.drop_index("ix_competitor_notes_team_created")
    op.drop_table("competitor_notes")
    op.drop_table("competitors")

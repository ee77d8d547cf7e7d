"""announcements: a coordinator's text sent as typed to the group, the reps or both, once

The outbox keeps a row's entities (Telegram's JSON), so a text is sent with them and no parse mode.

Revision ID: 0013_announcements
Revises: 0012_competitors
Create Date: 2026-12-03 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_announcements"
down_revision: str | None = "0012_competitors"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entities", sa.JSON(), nullable=True))
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("audience", sa.String(length=8), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_announcements_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_announcements_claim_id_claims"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sa.UniqueConstraint("token", name=op.f("uq_announcements_token")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcements_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_announcements_reported_at"), ["reported_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcements_reported_at"))
        batch_op.drop_index(batch_op.f("ix_announcements_team_id"))
    op.drop_table("announcements")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("entities")

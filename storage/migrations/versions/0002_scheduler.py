"""scheduler: team schedule, holidays, day marks, claims, outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 06:33:44.900222
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("round", sa.Integer(), server_default="0", nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_claims_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("team_id", "kind", "day", "round", name="uq_claims_key"),
    )
    op.create_table(
        "day_marks",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_day_marks_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "person_id", "day", "kind", name=op.f("pk_day_marks")),
    )
    op.create_table(
        "team_holidays",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_holidays_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "day", name=op.f("pk_team_holidays")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=True),
        sa.Column("pin", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_outbox_claim_id_claims"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status", ["status", "claim_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("post_time", sa.String(length=5), server_default="18:00", nullable=False)
        )
        batch_op.add_column(
            sa.Column("nudge_time", sa.String(length=5), server_default="17:00", nullable=False)
        )
        batch_op.add_column(
            sa.Column("post_days", sa.String(length=16), server_default="1,2,3,4,5", nullable=False)
        )
        batch_op.add_column(
            sa.Column("holiday_country", sa.String(length=8), server_default="PL", nullable=True)
        )
        batch_op.add_column(sa.Column("pinned_message_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("pin_warned", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:

    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("pin_warned")
        batch_op.drop_column("pinned_message_id")
        batch_op.drop_column("holiday_country")
        batch_op.drop_column("post_days")
        batch_op.drop_column("nudge_time")
        batch_op.drop_column("post_time")

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("unreachable_at")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status")

    op.drop_table("outbox")
    op.drop_table("team_holidays")
    op.drop_table("day_marks")
    op.drop_table("claims")

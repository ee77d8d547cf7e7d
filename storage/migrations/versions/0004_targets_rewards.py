"""targets points badges

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 06:57:45.174854
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "badges",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("badge", sa.String(length=32), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_badges_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "person_id", "badge", name=op.f("pk_badges")),
    )
    op.create_table(
        "points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_points_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points")),
        sa.UniqueConstraint("team_id", "person_id", "reason", "source", name="uq_points_grant"),
    )
    with op.batch_alter_table("points", schema=None) as batch_op:
        batch_op.create_index("ix_points_person", ["team_id", "person_id", "created_at"], unique=False)

    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.BigInteger(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_targets_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint("team_id", "person_id", "month", name="uq_targets_key"),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reward_points", sa.JSON(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("reward_points")

    op.drop_table("targets")
    with op.batch_alter_table("points", schema=None) as batch_op:
        batch_op.drop_index("ix_points_person")

    op.drop_table("points")
    op.drop_table("badges")

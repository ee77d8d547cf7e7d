"""days off: a person's own leave, a range of local days, merged when ranges overlap

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 03:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "days_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_days_off_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_days_off")),
    )
    with op.batch_alter_table("days_off", schema=None) as batch_op:
        batch_op.create_index("ix_days_off_team_last", ["team_id", "last_day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("days_off", schema=None) as batch_op:
        batch_op.drop_index("ix_days_off_team_last")
    op.drop_table("days_off")

"""managers: the people overseeing teams without being members

Revision ID: 0014
Revises: 0013_announcements
Create Date: 2026-12-03 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013_announcements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_managers_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_team_managers_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_managers")),
        sa.UniqueConstraint("team_id", "person_id", name="uq_team_managers"),
    )
    with op.batch_alter_table("team_managers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_managers_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("team_managers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_managers_person_id"))
    op.drop_table("team_managers")

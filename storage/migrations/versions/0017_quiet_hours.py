"""quiet hours: a team's night, when cheers, leader changes, countdowns and pace alerts are dropped

Revision ID: 0017
Revises: 0025
Create Date: 2026-12-04 03:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        for name, default in (("quiet_start", "21:00"), ("quiet_end", "08:00")):
            batch_op.add_column(sa.Column(name, sa.String(length=5), server_default=default, nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("quiet_end")
        batch_op.drop_column("quiet_start")

"""inbox.answers: which state of a draft a typed answer was given to

A typed answer moves a draft on; handled again after a crash it would answer the next step too.
The inbox keeps the draft's fingerprint the answer was first given to: a resumed answer whose
draft has moved on since was applied already.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 08:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answers", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_column("answers")

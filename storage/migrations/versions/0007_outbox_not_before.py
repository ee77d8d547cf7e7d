"""outbox.not_before: a chat answered 429 waits in the outbox, without holding up other chats

A reply that met a 429 waits there too, with no claim (claim_id becomes nullable).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("claim_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE claim_id IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("claim_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("not_before")

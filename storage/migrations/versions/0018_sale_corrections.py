"""sale corrections: each change of a saved sale's amount, client or product, with who and why

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 03:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sale_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sale_id"], ["sales.id"], name=op.f("fk_sale_corrections_sale_id_sales"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_sale_corrections_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_corrections")),
    )
    with op.batch_alter_table("sale_corrections", schema=None) as batch_op:
        batch_op.create_index("ix_sale_corrections_sale", ["sale_id", "changed_at"], unique=False)
        batch_op.create_index("ix_sale_corrections_team_changed", ["team_id", "changed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sale_corrections", schema=None) as batch_op:
        batch_op.drop_index("ix_sale_corrections_team_changed")
        batch_op.drop_index("ix_sale_corrections_sale")
    op.drop_table("sale_corrections")

"""complaints: a client's complaint with an optional photo or document, and its status changes

Revision ID: 0010_complaints
Revises: 0009
Create Date: 2026-12-03 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_complaints"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("reported_by", sa.BigInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("file_id", sa.Text(), nullable=True),
        sa.Column("file_kind", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("draft_token", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_complaints_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_complaints_client_id_clients")),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["people.id"], name=op.f("fk_complaints_reported_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
        sa.UniqueConstraint("draft_token", name=op.f("uq_complaints_draft_token")),
    )
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_complaints_client_id"), ["client_id"], unique=False)
        batch_op.create_index("ix_complaints_team_created", ["team_id", "created_at"], unique=False)
        batch_op.create_index("ix_complaints_team_closed", ["team_id", "closed_at"], unique=False)
    op.create_table(
        "complaint_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_changes_complaint_id_complaints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_complaint_changes_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_changes")),
    )
    with op.batch_alter_table("complaint_changes", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_changes_complaint_at", ["complaint_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("complaint_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_changes_complaint_at")
    op.drop_table("complaint_changes")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_complaints_team_closed")
        batch_op.drop_index("ix_complaints_team_created")
        batch_op.drop_index(batch_op.f("ix_complaints_client_id"))
    op.drop_table("complaints")

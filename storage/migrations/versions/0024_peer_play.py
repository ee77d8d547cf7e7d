"""peer play: duels, kudos, the reps a cheer names, recurring and %-of-target contests

Revision ID: 0024
Revises: 0019
Create Date: 2026-12-04 03:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEAM_COLUMNS = (("duel_points", "20"), ("kudos_allowance", "5"), ("kudos_points", "5"))


def upgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        for name, default in TEAM_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default=default, nullable=False))
    op.create_table(
        "duels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("challenger_id", sa.BigInteger(), nullable=False),
        sa.Column("rival_id", sa.BigInteger(), nullable=False),
        sa.Column("span", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("challenger_minor", sa.BigInteger(), nullable=True),
        sa.Column("rival_minor", sa.BigInteger(), nullable=True),
        sa.Column("winner_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_duels_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duels")),
    )
    with op.batch_alter_table("duels", schema=None) as batch_op:
        batch_op.create_index("ix_duels_status", ["status", "expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_duels_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_duels_ends_at"), ["ends_at"], unique=False)
    op.create_table(
        "kudos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("giver_id", sa.BigInteger(), nullable=False),
        sa.Column("receiver_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=48), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_kudos_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kudos")),
    )
    with op.batch_alter_table("kudos", schema=None) as batch_op:
        batch_op.create_index("ix_kudos_giver_month", ["team_id", "giver_id", "month"], unique=False)
        batch_op.create_index("ix_kudos_team_created", ["team_id", "created_at"], unique=False)
        live = sa.text("revoked_at IS NULL AND message_key IS NOT NULL")
        batch_op.create_index(
            "uq_kudos_live_reaction",
            ["giver_id", "receiver_id", "message_key"],
            unique=True,
            sqlite_where=live,
            postgresql_where=live,
        )
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repeat", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("round_no", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_unique_constraint("uq_contests_round", ["series_id", "round_no"])
    op.create_table(
        "cheer_people",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claims.id"], name=op.f("fk_cheer_people_claim_id_claims"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("claim_id", "person_id", name=op.f("pk_cheer_people")),
    )


def downgrade() -> None:
    op.drop_table("cheer_people")
    with op.batch_alter_table("contests", schema=None) as batch_op:
        batch_op.drop_constraint("uq_contests_round", type_="unique")
        batch_op.drop_column("round_no")
        batch_op.drop_column("series_id")
        batch_op.drop_column("repeat")
    with op.batch_alter_table("kudos", schema=None) as batch_op:
        batch_op.drop_index("uq_kudos_live_reaction")
        batch_op.drop_index("ix_kudos_team_created")
        batch_op.drop_index("ix_kudos_giver_month")
    op.drop_table("kudos")
    with op.batch_alter_table("duels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duels_ends_at"))
        batch_op.drop_index(batch_op.f("ix_duels_team_id"))
        batch_op.drop_index("ix_duels_status")
    op.drop_table("duels")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        for name, _ in reversed(TEAM_COLUMNS):
            batch_op.drop_column(name)

"""Officers' desk: users, API tokens, confirmed points of release

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 15:03:07.662625
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_queue_status", ["queue", "status"], unique=False)
    op.create_table(
        "desk_users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_desk_users_name")),
    )
    op.create_table(
        "desk_api_tokens",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["desk_users.id"], name=op.f("fk_desk_api_tokens_user_id_desk_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_api_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_desk_api_tokens_token_sha256")),
    )
    with op.batch_alter_table("desk_api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "release_points",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("company", sa.String(length=300), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(length=200), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "superseded_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_release_points_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["release_points.id"],
            name=op.f("fk_release_points_superseded_by_release_points"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_points")),
    )
    with op.batch_alter_table("release_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_release_points_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("release_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_release_points_case_id"))

    op.drop_table("release_points")
    with op.batch_alter_table("desk_api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_api_tokens_user_id"))

    op.drop_table("desk_api_tokens")
    op.drop_table("desk_users")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_queue_status")

"""Sampling shares: extra-controls rows per year and the consignments counted under them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "sampling_rows",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=False),
        sa.Column("min_share_pct", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_rows")),
        sa.UniqueConstraint(
            "year", "origin", "product", name=op.f("uq_sampling_rows_year_origin_product")
        ),
    )
    op.create_table(
        "sampling_entries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("row_id", _ID, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recommended", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_sampling_entries_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["row_id"], ["sampling_rows.id"], name=op.f("fk_sampling_entries_row_id_sampling_rows")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_entries")),
        sa.UniqueConstraint("row_id", "case_id", name=op.f("uq_sampling_entries_row_id_case_id")),
    )
    with op.batch_alter_table("sampling_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sampling_entries_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("sampling_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampling_entries_case_id"))
    op.drop_table("sampling_entries")
    op.drop_table("sampling_rows")

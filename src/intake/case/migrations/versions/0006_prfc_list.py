"""PRFC list with corrections and withdrawals; events by kind and time for statistics

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_kind_at", ["kind", "at"], unique=False)
    with op.batch_alter_table("release_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("changed_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("withdrawal_reason", sa.Text(), nullable=True))
    # points listed before this revision were listed from their confirmation
    op.execute("UPDATE release_points SET valid_from = confirmed_at")
    with op.batch_alter_table("release_points", schema=None) as batch_op:
        batch_op.alter_column(
            "valid_from", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    """Revert this revision (corrections and withdrawals lose who made them)."""
    with op.batch_alter_table("release_points", schema=None) as batch_op:
        batch_op.drop_column("withdrawal_reason")
        batch_op.drop_column("withdrawn_by")
        batch_op.drop_column("changed_by")
        batch_op.drop_column("valid_from")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_kind_at")

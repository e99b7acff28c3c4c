"""Schedule: indexes for the reminder queries; outbox mail about no single case

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 15:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_status_eta", ["status", "eta"], unique=False)
        batch_op.create_index("ix_cases_window_opens", ["window_opens"], unique=False)
        batch_op.create_index("ix_cases_kind_created_at", ["kind", "created_at"], unique=False)
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("case_id", existing_type=_ID, nullable=True)


def downgrade() -> None:
    """Revert this revision (digests, the only mail without a case, are dropped)."""
    op.execute("DELETE FROM outbox WHERE case_id IS NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("case_id", existing_type=_ID, nullable=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_kind_created_at")
        batch_op.drop_index("ix_cases_window_opens")
        batch_op.drop_index("ix_cases_status_eta")

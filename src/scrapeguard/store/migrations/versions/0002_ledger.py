"""The disclosure ledger: who received whose data, as roaring bitmaps per actor and day.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """Create the ledger's tables."""
    op.create_table(
        "ledger_subjects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.String(300), nullable=False, unique=True),
    )
    op.create_table(
        "ledger_fieldsets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fields", sa.String(1000), nullable=False, unique=True),
    )
    op.create_table(
        "ledger",
        sa.Column("actor", sa.String(300), primary_key=True),
        sa.Column("day", sa.Integer, primary_key=True),
        sa.Column("fieldset", sa.Integer, primary_key=True),
        sa.Column("unnamed", sa.BigInteger, nullable=False),
        sa.Column("bitmap", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_ledger_day", "ledger", ["day"])


def downgrade() -> None:
    """Drop the ledger's tables."""
    op.drop_index("ix_ledger_day", "ledger")
    for table in ("ledger", "ledger_fieldsets", "ledger_subjects"):
        op.drop_table(table)

"""Purging the ledger's subjects: numbers are never handed out twice, and the one row that
keeps ledger writes and purges of subjects apart (docs/store.md, "The ledger").

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    """Create `ledger_numbering`; on SQLite, rebuild `ledger_subjects` with AUTOINCREMENT (the
    highest number ever given is kept in sqlite_sequence, so a deleted number is not given
    again; PostgreSQL's sequence already works so)."""
    numbering = op.create_table(
        "ledger_numbering",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("sweeps", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(numbering, [{"id": 1, "sweeps": 0}])
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "ledger_subjects", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass


def downgrade() -> None:
    """Drop `ledger_numbering`; SQLite's `ledger_subjects` goes back to reusing numbers."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("ledger_subjects", recreate="always"):
            pass
    op.drop_table("ledger_numbering")

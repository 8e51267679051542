"""The store of scrapeguard 0.2: decisions, alerts, actors, campaigns, partners, users, audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    """Create the core tables."""
    op.create_table(
        "decisions",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("time", sa.Float, nullable=False, index=True),
        sa.Column("reference", sa.String(32), nullable=False, index=True),
        sa.Column("actor", sa.String(300), nullable=False, index=True),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("enforced", sa.String(20), nullable=False),
        sa.Column("simulated", sa.Boolean, nullable=False),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("ttl", sa.Float, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("time", sa.Float, nullable=False, index=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_table(
        "actors",
        sa.Column("key", sa.String(300), primary_key=True),
        sa.Column("first_seen", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False, index=True),
        sa.Column("requests", sa.BigInteger, nullable=False),
        sa.Column("people", sa.BigInteger, nullable=False),
        sa.Column("peak", sa.Integer, nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("members", sa.JSON, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
    )
    op.create_table(
        "partners",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("expires", sa.Float, nullable=True),
        sa.Column("people_per_day", sa.Float, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(50), nullable=False),
        sa.Column("created", sa.Float, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("time", sa.Float, nullable=False, index=True),
        sa.Column("who", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("why", sa.Text, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    """Drop the core tables."""
    for table in ("audit_log", "users", "partners", "campaigns", "actors", "alerts", "decisions"):
        op.drop_table(table)

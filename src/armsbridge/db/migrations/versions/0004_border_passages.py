"""border_passages: the passages through the crossing points a service recorded

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "border_passages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=2), nullable=False),
        sa.Column("handling_code", sa.String(length=2), nullable=False),
        sa.Column("crossing", sa.String(length=40), nullable=False),
        sa.Column("passed_at", sa.DateTime(), nullable=False),
        sa.Column("direction", sa.String(length=5), nullable=True),
        sa.Column("vehicle", sa.String(length=10), nullable=False),
        sa.Column("plate", sa.String(length=5), nullable=True),
        sa.Column("occupants", sa.Integer(), nullable=True),
        sa.Column("age_band", sa.String(length=5), nullable=True),
        sa.Column("male", sa.Boolean(), nullable=True),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("crossings_30d", sa.Integer(), nullable=True),
        sa.Column("checked", sa.Boolean(), nullable=False),
        sa.Column("weapons_found", sa.Boolean(), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_border_passages")),
    )
    with op.batch_alter_table("border_passages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_border_passages_crossing"), ["crossing"], unique=False)
        batch_op.create_index(
            "ix_border_passages_jurisdiction_passed_at", ["jurisdiction", "passed_at"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("border_passages", schema=None) as batch_op:
        batch_op.drop_index("ix_border_passages_jurisdiction_passed_at")
        batch_op.drop_index(batch_op.f("ix_border_passages_crossing"))

    op.drop_table("border_passages")

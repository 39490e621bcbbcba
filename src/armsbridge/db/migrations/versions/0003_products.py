"""analysis_products: problem and subject profiles kept as graded, handled documents

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "analysis_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("jurisdiction", sa.String(length=2), nullable=False),
        sa.Column("handling_code", sa.String(length=2), nullable=False),
        sa.Column("handling_restriction", sa.Text(), nullable=True),
        sa.Column("source_grade", sa.String(length=1), nullable=True),
        sa.Column("information_grade", sa.String(length=1), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_analysis_products_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_products")),
    )
    with op.batch_alter_table("analysis_products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analysis_products_case_id"), ["case_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_analysis_products_jurisdiction"), ["jurisdiction"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_analysis_products_kind"), ["kind"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("analysis_products")

"""border_passages: each passage keeps its file's SHA-256 and row, unique together

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 12:17:43.114320
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("border_passages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_sha256", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("file_row", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            "uq_border_passages_file_row", ["file_sha256", "file_row"]
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("border_passages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_border_passages_file_row", type_="unique")
        batch_op.drop_column("file_row")
        batch_op.drop_column("file_sha256")

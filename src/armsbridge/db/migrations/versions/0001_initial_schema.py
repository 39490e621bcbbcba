"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-12-03 12:59:17.484487
"""

from __future__ import annotations

# The operations live in armsbridge.db.schema_0001, one module a domain (the generated
# revision had grown past 1,400 lines); their order is the revision's.
from armsbridge.db.schema_0001 import (
    audit,
    auth,
    cases,
    exchange,
    items,
    matching,
    programme,
    records,
)

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision: each domain's tables after those they refer to."""
    audit.create()
    auth.create()
    records.create()
    cases.create()
    items.create()
    programme.create()
    exchange.create()
    matching.create()


def downgrade() -> None:
    """Revert this revision, in the reverse order."""
    matching.drop()
    exchange.drop()
    programme.drop()
    items.drop()
    cases.drop()
    records.drop()
    auth.drop()
    audit.drop()

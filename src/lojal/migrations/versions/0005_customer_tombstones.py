"""customer tombstones: an erased customer's former keys, so a replay does not bring them back

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import lojal.db.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_tombstones",
        sa.Column("shop_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", lojal.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], name=op.f("fk_customer_tombstones_shop_id_shops")),
        sa.PrimaryKeyConstraint("shop_id", "key_hash", name=op.f("pk_customer_tombstones")),
    )


def downgrade() -> None:
    op.drop_table("customer_tombstones")

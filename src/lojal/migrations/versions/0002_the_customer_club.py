"""the customer club

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql
import lojal.db.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SEQUENCED_TABLES = (
    "loyalty_earning_rules", "loyalty_entries", "loyalty_lots", "loyalty_member_offers", "loyalty_redemptions",
    "loyalty_rewards", "loyalty_tiers",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEQUENCED_TABLES:
            op.execute(f"CREATE SEQUENCE IF NOT EXISTS {table}_id_seq CACHE 1")
    op.create_table('loyalty_earning_rules',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.Column('per_amount', sa.BigInteger(), nullable=False),
    sa.Column('multiplier_percent', sa.Integer(), nullable=False),
    sa.Column('skus', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('categories', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('tiers', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=True),
    sa.Column('limit_count', sa.Integer(), nullable=True),
    sa.Column('limit_period', sa.String(length=8), nullable=True),
    sa.Column('starts_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=320), nullable=True),
    sa.Column('retired_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_loyalty_earning_rules_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_loyalty_earning_rules'))
    )
    with op.batch_alter_table('loyalty_earning_rules', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_earning_rules_current', ['shop_id', 'retired_at'], unique=False)
        batch_op.create_index('uq_loyalty_earning_rules_key_version', ['shop_id', 'key', 'version'], unique=True)

    op.create_table('loyalty_entries',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('lot_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('operation', sa.String(length=200), nullable=False),
    sa.Column('pending_delta', sa.BigInteger(), nullable=False),
    sa.Column('available_delta', sa.BigInteger(), nullable=False),
    sa.Column('spent_delta', sa.BigInteger(), nullable=False),
    sa.Column('expired_delta', sa.BigInteger(), nullable=False),
    sa.Column('reversed_delta', sa.BigInteger(), nullable=False),
    sa.Column('debt_delta', sa.BigInteger(), nullable=False),
    sa.Column('earned_delta', sa.BigInteger(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('rule_id', sa.BigInteger(), nullable=True),
    sa.Column('order_id', sa.BigInteger(), nullable=True),
    sa.Column('order_line_id', sa.BigInteger(), nullable=True),
    sa.Column('redemption_id', sa.BigInteger(), nullable=True),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_loyalty_entries_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_loyalty_entries'))
    )
    with op.batch_alter_table('loyalty_entries', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_entries_lot', ['shop_id', 'lot_id'], unique=False)
        batch_op.create_index('ix_loyalty_entries_member', ['shop_id', 'customer_id', 'id'], unique=False)
        batch_op.create_index('ix_loyalty_entries_shop_created', ['shop_id', 'created_at'], unique=False)

    op.create_table('loyalty_lots',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('source_key', sa.String(length=200), nullable=False),
    sa.Column('rule_id', sa.BigInteger(), nullable=True),
    sa.Column('order_id', sa.BigInteger(), nullable=True),
    sa.Column('order_line_id', sa.BigInteger(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('earned', sa.BigInteger(), nullable=False),
    sa.Column('reversed', sa.BigInteger(), nullable=False),
    sa.Column('uncollected', sa.BigInteger(), nullable=False),
    sa.Column('remaining', sa.BigInteger(), nullable=False),
    sa.Column('spent', sa.BigInteger(), nullable=False),
    sa.Column('expired', sa.BigInteger(), nullable=False),
    sa.Column('settled', sa.BigInteger(), nullable=False),
    sa.Column('earned_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('available_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expiry_warned_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_loyalty_lots_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_loyalty_lots'))
    )
    with op.batch_alter_table('loyalty_lots', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_lots_due', ['shop_id', 'state', 'available_at'], unique=False, postgresql_where=sa.text('remaining > 0'), sqlite_where=sa.text('remaining > 0'))
        batch_op.create_index('ix_loyalty_lots_expiring', ['shop_id', 'expires_at'], unique=False, postgresql_where=sa.text('remaining > 0'), sqlite_where=sa.text('remaining > 0'))
        batch_op.create_index('ix_loyalty_lots_member', ['shop_id', 'customer_id', 'earned_at', 'id'], unique=False)
        batch_op.create_index('ix_loyalty_lots_order', ['shop_id', 'order_id'], unique=False)
        batch_op.create_index('uq_loyalty_lots_source', ['shop_id', 'source_key'], unique=True)

    op.create_table('loyalty_member_offers',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('tier_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('starts_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('use_tier_early_access', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_loyalty_member_offers_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_loyalty_member_offers'))
    )
    with op.batch_alter_table('loyalty_member_offers', schema=None) as batch_op:
        batch_op.create_index('uq_loyalty_member_offers_code', ['shop_id', 'code'], unique=True)

    op.create_table('loyalty_programs',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rounding', sa.String(length=8), nullable=False),
    sa.Column('include_shipping', sa.Boolean(), nullable=False),
    sa.Column('include_tax', sa.Boolean(), nullable=False),
    sa.Column('excluded_skus', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('excluded_categories', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('earn_from', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pending_days', sa.Integer(), nullable=False),
    sa.Column('expiry_policy', sa.String(length=16), nullable=False),
    sa.Column('expiry_months', sa.Integer(), nullable=False),
    sa.Column('expiry_warning_days', sa.Integer(), nullable=False),
    sa.Column('allow_negative_balance', sa.Boolean(), nullable=False),
    sa.Column('point_value_per_1000', sa.BigInteger(), nullable=False),
    sa.Column('tier_basis', sa.String(length=8), nullable=False),
    sa.Column('tier_window', sa.String(length=16), nullable=False),
    sa.Column('code_prefix', sa.String(length=16), nullable=False),
    sa.Column('code_length', sa.Integer(), nullable=False),
    sa.Column('code_valid_days', sa.Integer(), nullable=False),
    sa.Column('refund_points_on_code_expiry', sa.Boolean(), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_loyalty_programs_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_loyalty_programs'))
    )
    op.create_table('loyalty_redemptions',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('reward_id', sa.BigInteger(), nullable=False),
    sa.Column('points', sa.BigInteger(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('expires_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_order_id', sa.BigInteger(), nullable=True),
    sa.Column('cancelled_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reward_snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_loyalty_redemptions_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_loyalty_redemptions'))
    )
    with op.batch_alter_table('loyalty_redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_redemptions_expiring', ['shop_id', 'status', 'expires_at'], unique=False)
        batch_op.create_index('ix_loyalty_redemptions_member', ['shop_id', 'customer_id', 'created_at'], unique=False)
        batch_op.create_index('uq_loyalty_redemptions_code', ['shop_id', 'code'], unique=True)

    op.create_table('loyalty_rewards',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('points_cost', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.Column('product_sku', sa.String(length=255), nullable=True),
    sa.Column('minimum_order', sa.BigInteger(), nullable=False),
    sa.Column('min_tier_id', sa.BigInteger(), nullable=True),
    sa.Column('available_from', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('available_until', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('stock', sa.BigInteger(), nullable=True),
    sa.Column('per_member_limit', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_loyalty_rewards_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_loyalty_rewards'))
    )
    op.create_table('loyalty_tiers',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.BigInteger(), nullable=False),
    sa.Column('retain_threshold', sa.BigInteger(), nullable=False),
    sa.Column('multiplier_percent', sa.Integer(), nullable=False),
    sa.Column('free_shipping', sa.Boolean(), nullable=False),
    sa.Column('member_prices', sa.Boolean(), nullable=False),
    sa.Column('early_access_hours', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_loyalty_tiers_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_loyalty_tiers'))
    )
    with op.batch_alter_table('loyalty_tiers', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_tiers_shop_position', ['shop_id', 'position'], unique=False)

    op.create_table('loyalty_accounts',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('pending', sa.BigInteger(), nullable=False),
    sa.Column('available', sa.BigInteger(), nullable=False),
    sa.Column('spent', sa.BigInteger(), nullable=False),
    sa.Column('expired', sa.BigInteger(), nullable=False),
    sa.Column('reversed', sa.BigInteger(), nullable=False),
    sa.Column('debt', sa.BigInteger(), nullable=False),
    sa.Column('lifetime_earned', sa.BigInteger(), nullable=False),
    sa.Column('tier_id', sa.BigInteger(), nullable=True),
    sa.Column('tier_since', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tier_review_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('manual_tier_until', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('joined_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_purchase_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id', 'customer_id'], ['customers.shop_id', 'customers.id'], name=op.f('fk_loyalty_accounts_shop_id_customer_id_customers')),
    sa.PrimaryKeyConstraint('shop_id', 'customer_id', name=op.f('pk_loyalty_accounts'))
    )
    with op.batch_alter_table('loyalty_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_accounts_shop_tier', ['shop_id', 'tier_id'], unique=False)



def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEQUENCED_TABLES:
            op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")
    with op.batch_alter_table('loyalty_accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_loyalty_accounts_shop_tier')

    op.drop_table('loyalty_accounts')
    with op.batch_alter_table('loyalty_tiers', schema=None) as batch_op:
        batch_op.drop_index('ix_loyalty_tiers_shop_position')

    op.drop_table('loyalty_tiers')
    op.drop_table('loyalty_rewards')
    with op.batch_alter_table('loyalty_redemptions', schema=None) as batch_op:
        batch_op.drop_index('uq_loyalty_redemptions_code')
        batch_op.drop_index('ix_loyalty_redemptions_member')
        batch_op.drop_index('ix_loyalty_redemptions_expiring')

    op.drop_table('loyalty_redemptions')
    op.drop_table('loyalty_programs')
    with op.batch_alter_table('loyalty_member_offers', schema=None) as batch_op:
        batch_op.drop_index('uq_loyalty_member_offers_code')

    op.drop_table('loyalty_member_offers')
    with op.batch_alter_table('loyalty_lots', schema=None) as batch_op:
        batch_op.drop_index('uq_loyalty_lots_source')
        batch_op.drop_index('ix_loyalty_lots_order')
        batch_op.drop_index('ix_loyalty_lots_member')
        batch_op.drop_index('ix_loyalty_lots_expiring', postgresql_where=sa.text('remaining > 0'), sqlite_where=sa.text('remaining > 0'))
        batch_op.drop_index('ix_loyalty_lots_due', postgresql_where=sa.text('remaining > 0'), sqlite_where=sa.text('remaining > 0'))

    op.drop_table('loyalty_lots')
    with op.batch_alter_table('loyalty_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_loyalty_entries_shop_created')
        batch_op.drop_index('ix_loyalty_entries_member')
        batch_op.drop_index('ix_loyalty_entries_lot')

    op.drop_table('loyalty_entries')
    with op.batch_alter_table('loyalty_earning_rules', schema=None) as batch_op:
        batch_op.drop_index('uq_loyalty_earning_rules_key_version')
        batch_op.drop_index('ix_loyalty_earning_rules_current')

    op.drop_table('loyalty_earning_rules')

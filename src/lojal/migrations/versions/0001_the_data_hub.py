"""the data hub

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 01:07:52.284925
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql
import lojal.db.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


SEQUENCED_TABLES = (
    "api_keys", "customers", "products", "product_variants", "orders", "order_lines",
    "refunds", "refund_lines", "customer_events", "domain_events",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEQUENCED_TABLES:
            op.execute(f"CREATE SEQUENCE IF NOT EXISTS {table}_id_seq CACHE 1")
    op.create_table('admin_users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_users')),
    sa.UniqueConstraint('email', name=op.f('uq_admin_users_email'))
    )
    op.create_table('id_sequences',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('last_value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_id_sequences'))
    )
    op.create_table('jobs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('shop_id', sa.BigInteger(), nullable=True),
    sa.Column('task', sa.String(length=100), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_by', sa.String(length=200), nullable=True),
    sa.Column('locked_until', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=255), nullable=True),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_claim', ['status', 'run_at'], unique=False)
        batch_op.create_index('uq_jobs_dedupe_key', ['dedupe_key'], unique=True, sqlite_where=sa.text('dedupe_key IS NOT NULL'), postgresql_where=sa.text('dedupe_key IS NOT NULL'))

    op.create_table('login_attempts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('attempted_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_key_at', ['key', 'attempted_at'], unique=False)

    op.create_table('periodic_schedules',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('interval_seconds', sa.Integer(), nullable=False),
    sa.Column('next_run_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_run_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_periodic_schedules'))
    )
    op.create_table('shops',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), sa.Identity(always=False), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shops')),
    sa.UniqueConstraint('slug', name=op.f('uq_shops_slug'))
    )
    op.create_table('api_keys',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('prefix', sa.String(length=32), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_api_keys_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('prefix', name=op.f('uq_api_keys_prefix'))
    )
    op.create_table('customer_events',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('customer_id', sa.BigInteger(), nullable=True),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('properties', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('cart', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('recovery_url', sa.String(length=2000), nullable=True),
    sa.Column('occurred_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_customer_events_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_customer_events'))
    )
    with op.batch_alter_table('customer_events', schema=None) as batch_op:
        batch_op.create_index('ix_customer_events_shop_customer_occurred', ['shop_id', 'customer_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_customer_events_shop_type_occurred', ['shop_id', 'type', 'occurred_at'], unique=False)
        batch_op.create_index('uq_customer_events_shop_external', ['shop_id', 'external_id'], unique=True, sqlite_where=sa.text('external_id IS NOT NULL'), postgresql_where=sa.text('external_id IS NOT NULL'))

    op.create_table('customers',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('first_name', sa.String(length=200), nullable=True),
    sa.Column('last_name', sa.String(length=200), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('company_name', sa.String(length=255), nullable=True),
    sa.Column('customer_group', sa.String(length=100), nullable=True),
    sa.Column('interests', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('email_consent', sa.Boolean(), nullable=True),
    sa.Column('email_consent_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('email_consent_source', sa.String(length=100), nullable=True),
    sa.Column('sms_consent', sa.Boolean(), nullable=True),
    sa.Column('sms_consent_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sms_consent_source', sa.String(length=100), nullable=True),
    sa.Column('is_guest', sa.Boolean(), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('order_count', sa.BigInteger(), nullable=False),
    sa.Column('first_order_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_order_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('total_spent', sa.BigInteger(), nullable=False),
    sa.Column('average_order_value', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_customers_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_customers'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_shop_customer_group', ['shop_id', 'customer_group'], unique=False)
        batch_op.create_index('ix_customers_shop_updated', ['shop_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('uq_customers_shop_email', ['shop_id', 'email'], unique=True, sqlite_where=sa.text('email IS NOT NULL'), postgresql_where=sa.text('email IS NOT NULL'))
        batch_op.create_index('uq_customers_shop_external', ['shop_id', 'external_id'], unique=True)

    op.create_table('domain_events',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('occurred_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_domain_events_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_domain_events'))
    )
    with op.batch_alter_table('domain_events', schema=None) as batch_op:
        batch_op.create_index('ix_domain_events_shop_customer', ['shop_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_domain_events_shop_type_id', ['shop_id', 'type', 'id'], unique=False)

    op.create_table('idempotency_records',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_idempotency_records_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'key', name=op.f('pk_idempotency_records'))
    )
    op.create_table('products',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('sku', sa.String(length=255), nullable=True),
    sa.Column('category_path', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('brand', sa.String(length=255), nullable=True),
    sa.Column('price', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('cost', sa.BigInteger(), nullable=True),
    sa.Column('consumable', sa.Boolean(), nullable=False),
    sa.Column('days_of_use', sa.Integer(), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('image_url', sa.String(length=2000), nullable=True),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_products_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_products'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('uq_products_shop_external', ['shop_id', 'external_id'], unique=True)

    op.create_table('shop_memberships',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_shop_memberships_shop_id_shops')),
    sa.ForeignKeyConstraint(['user_id'], ['admin_users.id'], name=op.f('fk_shop_memberships_user_id_admin_users')),
    sa.PrimaryKeyConstraint('shop_id', 'user_id', name=op.f('pk_shop_memberships'))
    )
    op.create_table('orders',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('order_number', sa.String(length=100), nullable=True),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('placed_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('discount_total', sa.BigInteger(), nullable=False),
    sa.Column('shipping_total', sa.BigInteger(), nullable=False),
    sa.Column('tax_total', sa.BigInteger(), nullable=False),
    sa.Column('taxes_included', sa.Boolean(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('refunded_total', sa.BigInteger(), nullable=False),
    sa.Column('discount_codes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('paid_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('fulfilled_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('source_updated_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id', 'customer_id'], ['customers.shop_id', 'customers.id'], name=op.f('fk_orders_shop_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_orders_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_orders'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_shop_customer_placed', ['shop_id', 'customer_id', 'placed_at'], unique=False)
        batch_op.create_index('ix_orders_shop_placed', ['shop_id', 'placed_at', 'id'], unique=False)
        batch_op.create_index('uq_orders_shop_external', ['shop_id', 'external_id'], unique=True)

    op.create_table('product_variants',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('sku', sa.String(length=255), nullable=True),
    sa.Column('name', sa.String(length=500), nullable=True),
    sa.Column('price', sa.BigInteger(), nullable=True),
    sa.Column('cost', sa.BigInteger(), nullable=True),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id', 'product_id'], ['products.shop_id', 'products.id'], name=op.f('fk_product_variants_shop_id_product_id_products')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_product_variants_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_product_variants'))
    )
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.create_index('ix_product_variants_shop_sku', ['shop_id', 'sku'], unique=False)
        batch_op.create_index('uq_product_variants_shop_external', ['shop_id', 'external_id'], unique=True)

    op.create_table('order_lines',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=True),
    sa.Column('variant_id', sa.BigInteger(), nullable=True),
    sa.Column('product_external_id', sa.String(length=255), nullable=True),
    sa.Column('variant_external_id', sa.String(length=255), nullable=True),
    sa.Column('sku', sa.String(length=255), nullable=True),
    sa.Column('name', sa.String(length=500), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('discount', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('refunded_quantity', sa.Integer(), nullable=False),
    sa.Column('refunded_amount', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id', 'order_id'], ['orders.shop_id', 'orders.id'], name=op.f('fk_order_lines_shop_id_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_lines_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_order_lines'))
    )
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.create_index('ix_order_lines_shop_product', ['shop_id', 'product_id'], unique=False)
        batch_op.create_index('uq_order_lines_order_external', ['shop_id', 'order_id', 'external_id'], unique=True)

    op.create_table('refunds',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('order_id', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('refunded_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id', 'order_id'], ['orders.shop_id', 'orders.id'], name=op.f('fk_refunds_shop_id_order_id_orders')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_refunds_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_refunds'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index('ix_refunds_shop_order', ['shop_id', 'order_id'], unique=False)
        batch_op.create_index('uq_refunds_shop_external', ['shop_id', 'external_id'], unique=True)

    op.create_table('refund_lines',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('refund_id', sa.BigInteger(), nullable=False),
    sa.Column('order_line_id', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id', 'order_line_id'], ['order_lines.shop_id', 'order_lines.id'], name=op.f('fk_refund_lines_shop_id_order_line_id_order_lines')),
    sa.ForeignKeyConstraint(['shop_id', 'refund_id'], ['refunds.shop_id', 'refunds.id'], name=op.f('fk_refund_lines_shop_id_refund_id_refunds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_refund_lines_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_refund_lines'))
    )
    with op.batch_alter_table('refund_lines', schema=None) as batch_op:
        batch_op.create_index('ix_refund_lines_shop_order_line', ['shop_id', 'order_line_id'], unique=False)
        batch_op.create_index('ix_refund_lines_shop_refund', ['shop_id', 'refund_id'], unique=False)



def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEQUENCED_TABLES:
            op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")
    with op.batch_alter_table('refund_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_refund_lines_shop_refund')
        batch_op.drop_index('ix_refund_lines_shop_order_line')

    op.drop_table('refund_lines')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index('uq_refunds_shop_external')
        batch_op.drop_index('ix_refunds_shop_order')

    op.drop_table('refunds')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index('uq_order_lines_order_external')
        batch_op.drop_index('ix_order_lines_shop_product')

    op.drop_table('order_lines')
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.drop_index('uq_product_variants_shop_external')
        batch_op.drop_index('ix_product_variants_shop_sku')

    op.drop_table('product_variants')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('uq_orders_shop_external')
        batch_op.drop_index('ix_orders_shop_placed')
        batch_op.drop_index('ix_orders_shop_customer_placed')

    op.drop_table('orders')
    op.drop_table('shop_memberships')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('uq_products_shop_external')

    op.drop_table('products')
    op.drop_table('idempotency_records')
    with op.batch_alter_table('domain_events', schema=None) as batch_op:
        batch_op.drop_index('ix_domain_events_shop_type_id')
        batch_op.drop_index('ix_domain_events_shop_customer')

    op.drop_table('domain_events')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('uq_customers_shop_external')
        batch_op.drop_index('uq_customers_shop_email', sqlite_where=sa.text('email IS NOT NULL'), postgresql_where=sa.text('email IS NOT NULL'))
        batch_op.drop_index('ix_customers_shop_updated')
        batch_op.drop_index('ix_customers_shop_customer_group')

    op.drop_table('customers')
    with op.batch_alter_table('customer_events', schema=None) as batch_op:
        batch_op.drop_index('uq_customer_events_shop_external', sqlite_where=sa.text('external_id IS NOT NULL'), postgresql_where=sa.text('external_id IS NOT NULL'))
        batch_op.drop_index('ix_customer_events_shop_type_occurred')
        batch_op.drop_index('ix_customer_events_shop_customer_occurred')

    op.drop_table('customer_events')
    op.drop_table('api_keys')
    op.drop_table('shops')
    op.drop_table('periodic_schedules')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_key_at')

    op.drop_table('login_attempts')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('uq_jobs_dedupe_key', sqlite_where=sa.text('dedupe_key IS NOT NULL'), postgresql_where=sa.text('dedupe_key IS NOT NULL'))
        batch_op.drop_index('ix_jobs_claim')

    op.drop_table('jobs')
    op.drop_table('id_sequences')
    op.drop_table('admin_users')

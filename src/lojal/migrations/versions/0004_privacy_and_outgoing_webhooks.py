"""privacy (the log of data exports and erasures) and outgoing webhooks (subscriptions, deliveries)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql
import lojal.db.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SEQUENCED_TABLES = ("privacy_requests", "webhook_subscriptions", "webhook_deliveries")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEQUENCED_TABLES:
            op.execute(f"CREATE SEQUENCE IF NOT EXISTS {table}_id_seq CACHE 1")
    op.create_table('privacy_requests',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=320), nullable=False),
    sa.Column('reference', sa.String(length=255), nullable=True),
    sa.Column('summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_privacy_requests_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_privacy_requests'))
    )
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.create_index('ix_privacy_requests_shop_created', ['shop_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_privacy_requests_shop_customer', ['shop_id', 'customer_id', 'kind'], unique=False)

    op.create_table('webhook_subscriptions',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('event_types', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('secret', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_webhook_subscriptions_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_webhook_subscriptions'))
    )
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_subscriptions_shop_active', ['shop_id', 'active'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('subscription_id', sa.BigInteger(), nullable=False),
    sa.Column('domain_event_id', sa.BigInteger(), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_response_excerpt', sa.Text(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_duration_ms', sa.Integer(), nullable=True),
    sa.Column('last_attempt_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', lojal.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id', 'subscription_id'], ['webhook_subscriptions.shop_id', 'webhook_subscriptions.id'], name=op.f('fk_webhook_deliveries_shop_id_subscription_id_webhook_subscriptions')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_webhook_deliveries_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_webhook_deliveries'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_shop_created', ['shop_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_webhook_deliveries_shop_event', ['shop_id', 'domain_event_id'], unique=False)
        batch_op.create_index('uq_webhook_deliveries_event', ['shop_id', 'subscription_id', 'domain_event_id'], unique=True)



def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEQUENCED_TABLES:
            op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('uq_webhook_deliveries_event')
        batch_op.drop_index('ix_webhook_deliveries_shop_event')
        batch_op.drop_index('ix_webhook_deliveries_shop_created')

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('webhook_subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_subscriptions_shop_active')

    op.drop_table('webhook_subscriptions')
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_privacy_requests_shop_customer')
        batch_op.drop_index('ix_privacy_requests_shop_created')

    op.drop_table('privacy_requests')

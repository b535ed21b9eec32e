"""analytics results: runs and the latest per-customer predictions

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql
import lojal.db.types

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

SEQUENCED_TABLES = ("analytics_runs",)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEQUENCED_TABLES:
            op.execute(f"CREATE SEQUENCE IF NOT EXISTS {table}_id_seq CACHE 1")
    op.create_table('analytics_runs',
    sa.Column('shop_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('started_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('as_of', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('model', sa.String(length=16), nullable=True),
    sa.Column('time_unit', sa.String(length=8), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('spend_params', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('holdout', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('metrics', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('cohorts', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('rfm_summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('customers', sa.BigInteger(), nullable=False),
    sa.Column('orders', sa.BigInteger(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('phases', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_analytics_runs_shop_id_shops')),
    sa.PrimaryKeyConstraint('shop_id', 'id', name=op.f('pk_analytics_runs'))
    )
    with op.batch_alter_table('analytics_runs', schema=None) as batch_op:
        batch_op.create_index('ix_analytics_runs_shop_started', ['shop_id', 'started_at'], unique=False)

    op.create_table('customer_predictions',
    sa.Column('shop_id', sa.BigInteger(), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.BigInteger(), nullable=False),
    sa.Column('computed_at', lojal.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expected_purchases', sa.Float(), nullable=True),
    sa.Column('probability_alive', sa.Float(), nullable=True),
    sa.Column('churn_risk', sa.Float(), nullable=True),
    sa.Column('churn_risk_band', sa.String(length=8), nullable=True),
    sa.Column('predicted_clv', sa.BigInteger(), nullable=True),
    sa.Column('expected_order_value', sa.BigInteger(), nullable=True),
    sa.Column('next_order_date', sa.Date(), nullable=True),
    sa.Column('recency_score', sa.SmallInteger(), nullable=False),
    sa.Column('frequency_score', sa.SmallInteger(), nullable=False),
    sa.Column('monetary_score', sa.SmallInteger(), nullable=False),
    sa.Column('rfm_segment', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['shop_id', 'customer_id'], ['customers.shop_id', 'customers.id'], name=op.f('fk_customer_predictions_shop_id_customer_id_customers')),
    sa.PrimaryKeyConstraint('shop_id', 'customer_id', name=op.f('pk_customer_predictions'))
    )
    with op.batch_alter_table('customer_predictions', schema=None) as batch_op:
        batch_op.create_index('ix_customer_predictions_churn', ['shop_id', 'churn_risk_band', 'churn_risk'], unique=False)
        batch_op.create_index('ix_customer_predictions_clv', ['shop_id', 'predicted_clv'], unique=False)
        batch_op.create_index('ix_customer_predictions_segment', ['shop_id', 'rfm_segment'], unique=False)



def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEQUENCED_TABLES:
            op.execute(f"DROP SEQUENCE IF EXISTS {table}_id_seq")
    with op.batch_alter_table('customer_predictions', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_predictions_segment')
        batch_op.drop_index('ix_customer_predictions_clv')
        batch_op.drop_index('ix_customer_predictions_churn')

    op.drop_table('customer_predictions')
    with op.batch_alter_table('analytics_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_analytics_runs_shop_started')

    op.drop_table('analytics_runs')

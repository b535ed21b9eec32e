"""orders and order lines without foreign keys to customers and orders: on PostgreSQL each key
was checked row by row (a query and a row lock on the customer or order per inserted row, run
by a trigger), 30 % of the server's work on the bulk path (100,000 orders with 3 lines: backend
CPU 11.0 s with the checks, 7.7 s without; 4,600 -> 5,500 orders/s in the same hour). Lojal
writes both only from the ingestion path, which gives an order the id of a customer it has just
found or created in the same transaction and a line the id of the order it inserts with it, and
it deletes neither orders nor customers (erasure keeps the row, without the person). Refunds
and loyalty keep their keys.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_constraint("fk_order_lines_shop_id_order_id_orders", type_="foreignkey")
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("fk_orders_shop_id_customer_id_customers", type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.create_foreign_key("fk_orders_shop_id_customer_id_customers", "customers",
                                 ["shop_id", "customer_id"], ["shop_id", "id"])
    with op.batch_alter_table("order_lines") as batch:
        batch.create_foreign_key("fk_order_lines_shop_id_order_id_orders", "orders",
                                 ["shop_id", "order_id"], ["shop_id", "id"], ondelete="CASCADE")

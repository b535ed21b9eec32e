"""A Hypothesis state machine drives random sequences of orders, order changes, refunds,
cancellations, redemptions and their cancellation, releases, expiry runs and adjustments through
the club's services, and checks after every step that the ledger adds up: balances by state equal
the entries' sums and the lots, and no lot goes negative."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import select
from sqlalchemy.orm import Session

from lojal.errors import Conflict
from lojal.loyalty import accrual, ledger, maintenance, repository, rewards
from lojal.loyalty.schemas import RewardIn
from lojal.models import Customer, Shop
from lojal.orders import service as orders
from lojal.orders.refunds import ingest_refund
from lojal.orders.schemas import RefundIn
from tests.fixtures.api import ShopWithKeys
from tests.loyalty.helpers import T0, club, order_body

EXAMPLES = itertools.count()
PRICES = st.sampled_from([990, 3990, 12900, 45900, 100000])


def ledger_machine(session: Session, shop: Shop, allow_negative: bool) -> type[RuleBasedStateMachine]:
    club(session, shop, pending_days=3, expiry_months=2, allow_negative_balance=allow_negative)
    reward = rewards.save_reward(session, shop, RewardIn(name="Rabatt", kind="amount_off", points_cost=150, value=100), T0)

    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.example = next(EXAMPLES)
            self.now = T0
            self.orders: dict[str, list[tuple[str, int, int]]] = {}
            self.refunded: dict[str, dict[str, int]] = {}
            self.redemptions: list[int] = []
            self.customer_id: int | None = None
            self.refund_numbers = itertools.count()
            self.savepoint = session.begin_nested()  # each example starts from the same shop and club

        def teardown(self) -> None:
            if self.savepoint.is_active:
                self.savepoint.rollback()

        def customer(self) -> str:
            return f"prop-{self.example}"

        def send(self, external_id: str, status: str = "paid") -> None:
            body = order_body(self.customer(), self.orders[external_id], placed_at=self.now, status=status)
            [result] = orders.ingest_orders(session, shop, [(external_id, body)], self.now)
            accrual.sync_order(session, shop, result.order_id, self.now)
            self.customer_id = self.customer_id or session.scalar(
                select(Customer.id).where(Customer.shop_id == shop.id, Customer.external_id == self.customer()))

        @rule(quantities=st.lists(st.integers(1, 4), min_size=1, max_size=3), price=PRICES)
        def place_order(self, quantities: list[int], price: int) -> None:
            external_id = f"{self.customer()}-o{len(self.orders)}"
            self.orders[external_id] = [(f"l{n}", quantity, price + n) for n, quantity in enumerate(quantities)]
            self.refunded[external_id] = {}
            self.send(external_id)

        @precondition(lambda self: self.orders)
        @rule(data=st.data())
        def change_order(self, data: st.DataObject) -> None:
            external_id = data.draw(st.sampled_from(sorted(self.orders)))
            lines = self.orders[external_id]
            index = data.draw(st.integers(0, len(lines) - 1))
            line_id, quantity, price = lines[index]
            refunded = self.refunded[external_id].get(line_id, 0)
            lines[index] = (line_id, max(refunded, 1, quantity + data.draw(st.sampled_from([-1, 1, 2]))), price)
            self.send(external_id)

        @precondition(lambda self: self.orders)
        @rule(data=st.data())
        def refund_a_unit(self, data: st.DataObject) -> None:
            external_id = data.draw(st.sampled_from(sorted(self.orders)))
            line_id, quantity, price = data.draw(st.sampled_from(self.orders[external_id]))
            if self.refunded[external_id].get(line_id, 0) >= quantity:
                return
            refund = RefundIn(external_id=f"{external_id}-r{next(self.refund_numbers)}", order_external_id=external_id,
                              refunded_at=self.now, lines=[{"line_external_id": line_id, "quantity": 1, "amount": price}])
            result = ingest_refund(session, shop, refund, self.now)
            self.refunded[external_id][line_id] = self.refunded[external_id].get(line_id, 0) + 1
            accrual.sync_order(session, shop, result.order_id, self.now)

        @precondition(lambda self: self.orders)
        @rule(data=st.data())
        def cancel_order(self, data: st.DataObject) -> None:
            self.send(data.draw(st.sampled_from(sorted(self.orders))), status="cancelled")

        @precondition(lambda self: self.customer_id is not None)
        @rule()
        def redeem(self) -> None:
            try:
                program = repository.program(session, shop.id)
                self.redemptions.append(rewards.redeem(session, shop, program, self.customer_id, reward.id, "test",
                                                       self.now).id)
            except Conflict:
                pass

        @precondition(lambda self: self.redemptions)
        @rule(data=st.data())
        def cancel_redemption(self, data: st.DataObject) -> None:
            redemption_id = data.draw(st.sampled_from(self.redemptions))
            self.redemptions.remove(redemption_id)
            try:
                rewards.cancel(session, shop, self.customer_id, redemption_id, "test", self.now)
            except Conflict as refused:  # the code expired meanwhile (and gave its points back then)
                assert "expired" in refused.message

        @precondition(lambda self: self.customer_id is not None)
        @rule(points=st.integers(-300, 300).filter(bool))
        def adjust(self, points: int) -> None:
            try:
                accrual.adjust(session, shop, self.customer_id, points, "Justering", None, "test", self.now,
                               f"adjust:{self.example}:{next(self.refund_numbers)}")
            except Conflict:
                pass

        @rule(days=st.sampled_from([1, 4, 20, 70]))
        def time_passes(self, days: int) -> None:
            self.now += timedelta(days=days)
            program = repository.program(session, shop.id)
            maintenance.release_due(session, shop, self.now)
            maintenance.warn_expiring(session, shop, program, self.now)
            maintenance.expire_due(session, shop, program, self.now)
            rewards.expire_codes(session, shop, program, self.now)

        @invariant()
        def the_ledger_adds_up(self) -> None:
            if self.customer_id is None:
                return
            account = repository.account(session, shop.id, self.customer_id)
            if account is None:
                return
            session.flush()
            session.refresh(account)
            assert ledger.check_invariants(session, account, repository.program(session, shop.id)) == []

    return LedgerMachine


@pytest.mark.parametrize("allow_negative", [False, True], ids=["write-off", "negative-balance"])
def test_the_ledger_adds_up_after_every_step(db: Session, shop: ShopWithKeys, allow_negative: bool) -> None:
    machine = ledger_machine(db, shop.shop, allow_negative)
    run_state_machine_as_test(machine, settings=settings(max_examples=25, stateful_step_count=25, deadline=None,
                                                         suppress_health_check=list(HealthCheck)))

"""CS-04 / SAL-18: a contract is prepared from an active order within its validity, takes its
terms from the order's current version, gets a gapless number, the household's rep and the
receivables schedule, all in one transaction. The helpers here are shared by the other
contract tests."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from core.duties import today
from core.extensions import db
from core.plugins import state
from core.tenancy import company_scope
from plugins.customer_service.contracts import services
from plugins.customer_service.contracts.models import ContractNumberSequence
from plugins.customer_service.models import (
    Contract,
    ContractStatus,
    Household,
    Instalment,
    InstalmentKind,
)
from plugins.sales.models import Unit, UnitState
from plugins.sales.orders import services as orders
from plugins.sales.orders.models import Order, PaymentMethod
from tests.plugins.customer_service.cs_setup import cs_fixture, make_customer, make_unit

__all__ = ["cs_fixture"]
D = Decimal
ADDRESS = "河南省洛阳市洛龙区开元大道218号"
ANNEXES = ("floor_plan", "payment_terms", "fitout_equipment_list", "supplementary_agreement")


def place(w, n: int, method="mortgage", deposit="50000.00", **kw) -> Order:
    """A real order (sales service) on a new available unit ``n``, written today."""
    unit = make_unit(w, f"{n:02d}", state=UnitState.available)
    customer = make_customer(w, n)
    data = {
        "unit_id": unit.id,
        "customer_id": customer.id,
        "payment_method": method,
        "deposit_kind": "large",
        "deposit": D(deposit),
        "ordered_on": today(),
    } | kw
    return orders.place_order(w.a, w.rep, data)


def prepare(w, order: Order, user=None, **data) -> Contract:
    return services.prepare_contract(
        w.a, user or w.cs_rep, order, {"address": ADDRESS, "termination_days": 90} | data
    )


def counts(w) -> dict:
    with company_scope(w.a.id):
        n = lambda model: db.session.scalar(select(func.count(model.id)))  # noqa: E731
        return {
            "contracts": n(Contract),
            "instalments": n(Instalment),
            "households": n(Household),
            "sequences": db.session.scalar(
                select(func.coalesce(func.sum(ContractNumberSequence.last_number), 0))
            ),
        }


def reload(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def test_cs04_contract_prepared_from_the_orders_current_version(cs):
    order = place(cs, 1, method="instalments", discount_pct=D("0"))
    version = order.current
    contract = prepare(cs, order)
    with company_scope(cs.a.id):
        contract = reload(Contract, contract.id)
        assert contract.status == ContractStatus.draft
        assert contract.price == version.price == D("1000000.00")
        assert contract.payment_method == PaymentMethod.instalments
        assert contract.buyer_name == order.customer.name
        assert contract.address == ADDRESS and contract.termination_days == 90
        assert contract.number == f"HT-{today().year}-00001"
        household = db.session.scalar(select(Household).where(Household.unit_id == order.unit_id))
        assert contract.rep_id == household.rep_id is not None
        lines = sorted(version.schedule, key=lambda line: line["due"])
        assert [(i.what, i.due_on.isoformat(), i.amount) for i in contract.instalments] == [
            (line["what"], line["due"], D(line["amount"])) for line in lines
        ]
        # The deposit received with the order is already paid: it is not dunned.
        deposit = contract.instalments[0]
        assert (deposit.due_on, deposit.amount) == (order.ordered_on, D("50000.00"))
        assert deposit.paid == D("50000.00") and deposit.settled
        assert deposit.settled_on == order.ordered_on
        assert not any(i.paid for i in contract.instalments[1:])


def test_cs04_contract_numbers_are_consecutive_per_company_without_gaps(cs):
    first = prepare(cs, place(cs, 1))
    late = place(
        cs, 2, ordered_on=today() - timedelta(days=10), signing_date=today() - timedelta(1)
    )
    with pytest.raises(services.ContractRefused):
        prepare(cs, late)
    second = prepare(cs, place(cs, 3))
    year = today().year
    assert (first.number, second.number) == (f"HT-{year}-00001", f"HT-{year}-00002")
    state.update_settings(cs.a, "customer_service", {"contract_number_prefix": "LYHT"})
    assert prepare(cs, place(cs, 4)).number == f"LYHT-{year}-00003"


def test_sal18_contract_refused_after_the_orders_signing_date_naming_the_field(cs):
    order = place(
        cs, 1, ordered_on=today() - timedelta(days=10), signing_date=today() - timedelta(1)
    )
    before = counts(cs)
    with pytest.raises(services.ContractRefused) as refused:
        prepare(cs, order)
    assert "signing_date" in refused.value.fields
    assert "signing date" in str(refused.value)
    assert counts(cs) == before
    # An extension of the signing date (a new order version, SAL-18) makes it valid again.
    orders.revise_order(order, cs.rep, {"signing_date": today()}, "customer asked")
    assert prepare(cs, order).status == ContractStatus.draft


def test_cs04_contract_only_from_an_active_order_and_only_once(cs):
    order = place(cs, 1)
    prepare(cs, order)
    with pytest.raises(services.ContractRefused) as refused:
        prepare(cs, order)
    assert "order_id" in refused.value.fields
    voided = place(cs, 2)
    orders.void_order(voided, cs.admin_a, "customer withdrew")
    with pytest.raises(services.ContractRefused) as refused:
        prepare(cs, voided)
    assert "order_id" in refused.value.fields


def test_cs04_address_is_required(cs):
    order = place(cs, 1)
    with pytest.raises(ValidationError) as invalid:
        services.prepare_contract(cs.a, cs.cs_rep, order, {})
    assert "address" in invalid.value.messages


def test_cs04_refused_preparation_leaves_nothing_half_written(cs, monkeypatch):
    order = place(cs, 1)
    before = counts(cs)

    def broken(contract, lines):
        raise RuntimeError("schedule failed")

    monkeypatch.setattr("plugins.customer_service.payments.services.create_schedule", broken)
    with pytest.raises(RuntimeError):
        prepare(cs, order)
    assert counts(cs) == before  # no contract, household, number or instalment
    with company_scope(cs.a.id):
        assert reload(Unit, order.unit_id).state == UnitState.subscribed


# --- shared by the other contract tests -----------------------------------------------------


def ready(w, contract: Contract) -> Contract:
    """Book the signing, tell the lawyer and tick every annex."""
    from plugins.customer_service.contracts import signing

    signing.book_signing(contract, w.cs_rep, today(), lawyer_told_on=today())
    return signing.set_annexes(contract, w.cs_rep, dict.fromkeys(ANNEXES, True))


def signed(w, n: int, method="mortgage", stamp=True, **kw) -> Contract:
    """A contract prepared from a new order ``n``, signed today and (by default) stamped."""
    from plugins.customer_service.contracts import signing

    contract = ready(w, prepare(w, place(w, n, method=method, **kw)))
    signing.sign_contract(contract, w.cs_rep)
    if stamp:
        signing.stamp_contract(contract, w.cs_rep)
    return contract


def pay(w, contract: Contract, *amounts) -> None:
    """Record ``amounts`` as paid on the contract's price instalments in seq order (None: in
    full); taxes and fees stay unpaid."""
    with company_scope(w.a.id):
        contract = reload(Contract, contract.id)
        price = [i for i in contract.instalments if i.kind == InstalmentKind.payment]
        for instalment, amount in zip(price, amounts, strict=False):
            paid = instalment.amount if amount is None else D(amount)
            instalment.paid, instalment.settled = paid, paid >= instalment.amount
        db.session.commit()


def test_cs04_concurrent_preparations_of_one_order_make_one_contract(cs, app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers: the race is only real on PostgreSQL")
    order = place(cs, 1)
    company_id, user_id, order_id = cs.a.id, cs.cs_rep.id, order.id
    barrier, results = threading.Barrier(5, timeout=30), []

    def attempt():
        with app.app_context():
            from core.models import Company, User

            try:
                company, user = db.session.get(Company, company_id), db.session.get(User, user_id)
                with company_scope(company_id):
                    mine = db.session.get(Order, order_id)
                barrier.wait()
                services.prepare_contract(company, user, mine, {"address": ADDRESS})
                results.append("won")
            except services.ContractRefused as exc:
                results.append(str(exc))
            except Exception as exc:  # reported by the assertions below
                results.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("won") == 1, results
    assert all("already has" in r for r in results if r != "won"), results
    assert counts(cs)["contracts"] == 1 and counts(cs)["sequences"] == 1

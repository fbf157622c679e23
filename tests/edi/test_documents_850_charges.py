"""X12 850 allowances and charges (SAC), line count (CTT), stated total (AMT*TT), terms (ITD) and routing (TD5) to
order.v1 end to end, through hub.edi.documents.to_documents, on real-shaped 4010 and 5010 purchase orders."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from hub.canonical import Order, validate_document
from hub.canonical.order import ChargeKind
from hub.mapping import MappingInputError
from tests.edi import interchange
from tests.edi.mapped import mapped_documents, mapping_inputs

HERE = Path(__file__).parent
SAMPLE_4010 = HERE / "samples/850_4010_allowances_charges.x12"
SAMPLE_5010 = HERE / "samples/850_5010_allowances_charges.x12"


def _orders(data: bytes) -> list[Order]:
    orders = mapped_documents(data)
    assert all(isinstance(order, Order) for order in orders)
    return orders  # type: ignore[return-value]


def _order(data: bytes) -> Order:
    (order,) = _orders(data)
    return order


def _po(*heading: str, lines: list[list[str]], summary: tuple[str, ...] = ()) -> bytes:
    """A one-set 850 interchange: BEG, the heading segments, one PO1 per entry of ``lines`` (the PO1 first,
    then its own segments), then ``summary`` (CTT, AMT)."""
    body = ["ST*850*0001", "BEG*00*SA*PO5001**20240410", *heading]
    for line in lines:
        body += line
    body += list(summary)
    body.append(f"SE*{len(body) + 1}*0001")
    return interchange(body).encode()


def _amounts(order: Order) -> dict[str, str]:
    totals = order.totals
    named = {name: getattr(totals, name) for name in ("subtotal", "discount", "shipping", "tax", "fees", "total")}
    return {name: str(money.amount) for name, money in named.items() if money is not None}


def _check_arithmetic(order: Order) -> None:
    """What every X12 order keeps: lines add up to the subtotal, the totals to the total, the charges to the
    buckets they are counted in."""
    totals = order.totals
    assert sum(line.total.amount for line in order.lines) == totals.subtotal.amount
    fees = totals.fees.amount if totals.fees is not None else Decimal(0)
    assert totals.subtotal.amount + totals.shipping.amount + totals.tax.amount + fees == totals.total.amount
    counted = [charge for charge in order.charges if charge.in_totals]
    for kind, amount in [
        (ChargeKind.DISCOUNT, totals.discount.amount),
        (ChargeKind.SHIPPING, totals.shipping.amount),
        (ChargeKind.TAX, totals.tax.amount),
        (ChargeKind.FEE, fees),
    ]:
        assert sum((c.amount.amount for c in counted if c.kind is kind), Decimal(0)) == amount
    discounts = sum((line.discount.amount for line in order.lines if line.discount is not None), Decimal(0))
    assert discounts == totals.discount.amount
    for line in order.lines:
        taken = line.discount.amount if line.discount is not None else 0
        assert line.total.amount == line.quantity * line.unit_price.amount - taken
    validate_document("order.v1", order.model_dump(mode="json"))


# --- the sample purchase orders ---------------------------------------------------------------------------


def test_4010_allowances_and_charges_land_where_the_order_counts_them() -> None:
    order = _order(SAMPLE_4010.read_bytes())

    # line 1: 48 x 6.25 less 0.25 a unit; line 2: 10 x 38.40 less 5 %; line 3: 6 x 19.99 with 10.80 tax;
    # the 2 % advertising allowance on 803.94 (16.08) is spread over the lines
    assert [
        (ln.line_id, str(ln.discount.amount if ln.discount else 0), str(ln.total.amount)) for ln in order.lines
    ] == [
        ("1", "17.99", "282.01"),
        ("2", "26.79", "357.21"),
        ("3", "2.50", "117.44"),
    ]
    assert order.lines[2].tax is not None and str(order.lines[2].tax.amount) == "10.80"
    assert _amounts(order) == {
        "subtotal": "756.66",
        "discount": "47.28",
        "shipping": "45.00",
        "tax": "10.80",
        "fees": "15.00",
        "total": "827.46",
    }
    _check_arithmetic(order)


def test_4010_charges_are_listed_as_the_buyer_stated_them() -> None:
    order = _order(SAMPLE_4010.read_bytes())

    listed = [
        (c.kind.value, c.code, c.line_id, str(c.amount.amount), c.percent and str(c.percent), c.in_totals)
        for c in order.charges
    ]
    assert listed == [
        ("discount", "C310", "1", "12.00", None, True),
        ("discount", "C310", "2", "19.20", "5", True),
        ("tax", "H850", "3", "10.80", None, True),
        ("discount", "A260", None, "16.08", "2", True),
        ("discount", "B720", None, "120.00", None, False),  # co-op bill back: listed, counted nowhere
        ("shipping", "D240", None, "45.00", None, True),
        ("fee", "H090", None, "15.00", None, True),
    ]
    assert [c.description for c in order.charges][-2:] == ["FREIGHT", "SPECIAL HANDLING"]


def test_4010_terms_routing_and_an_agreeing_stated_total() -> None:
    order = _order(SAMPLE_4010.read_bytes())

    assert order.payment_terms is not None
    assert (order.payment_terms.discount_percent, order.payment_terms.discount_days, order.payment_terms.net_days) == (
        Decimal("2"),
        10,
        30,
    )
    assert order.shipping_method == "UPS GROUND"
    assert order.attributes["carrier_scac"] == "UPSN"
    assert order.attributes["service_level"] == "Ground"
    assert order.attributes["stated_total"] == "827.46"
    assert "stated_total_difference" not in order.attributes
    assert order.test is False


def test_5010_gives_the_same_order_and_keeps_a_differing_stated_total_beside_it() -> None:
    older, newer = _order(SAMPLE_4010.read_bytes()), _order(SAMPLE_5010.read_bytes())

    assert newer.totals == older.totals and newer.charges == older.charges and newer.lines == older.lines
    # the buyer stated the merchandise amount only (803.94): the computed total stays, the gap is recorded
    assert str(newer.totals.total.amount) == "827.46"
    assert newer.attributes["stated_total"] == "803.94"
    assert newer.attributes["stated_total_difference"] == "-23.52"


def test_an_order_without_sac_keeps_zero_discounts_and_no_fees() -> None:
    (order, _) = _orders((HERE / "samples/850_4010_crlf.x12").read_bytes())

    assert order.charges == [] and order.totals.fees is None
    assert _amounts(order) == {
        "subtotal": "574.80",
        "discount": "0",
        "shipping": "0",
        "tax": "0",
        "total": "574.80",
    }
    _check_arithmetic(order)


# --- how amounts are worked out ----------------------------------------------------------------------------


PO1_A = ["PO1*1*3*EA*33.33**VN*A-1"]
PO1_B = ["PO1*2*7*EA*14.29**VN*B-2"]
PO1_C = ["PO1*3*1*EA*0.01**VN*C-3"]


def test_an_order_level_allowance_is_spread_over_the_lines_to_the_cent() -> None:
    order = _order(
        _po(
            "SAC*A*C310***1000", lines=[["PO1*1*1*EA*10**VN*W-1"], ["PO1*2*1*EA*10**VN*W-2"], ["PO1*3*1*EA*10**VN*W-3"]]
        )
    )

    assert [str(line.discount.amount) for line in order.lines if line.discount] == ["3.33", "3.33", "3.34"]
    _check_arithmetic(order)


def test_an_order_level_percent_is_taken_of_the_gross_and_shared_by_amount() -> None:
    order = _order(_po("SAC*A*C310****3*10", lines=[PO1_A, PO1_B, PO1_C]))

    # 10 % of 99.99 + 100.03 + 0.01 = 20.003, rounded half up to 20.00, shared in proportion to the lines
    assert str(order.charges[0].amount.amount) == "20.00"
    shares = [line.discount.amount if line.discount else Decimal(0) for line in order.lines]
    assert shares == [Decimal("10.00"), Decimal("10.00"), Decimal(0)]
    _check_arithmetic(order)


def test_percent_bases_net_and_dollar_basis() -> None:
    order = _order(
        _po(
            "SAC*A*C310***1000",  # 10.00 off first
            "SAC*A*F800****4*5",  # then 5 % of what is left (discount/net): 5 % of 90.00
            "SAC*C*H850****1*8**DO*50",  # 8 % of a stated dollar basis of 50
            lines=[["PO1*1*10*EA*10**VN*W-1"]],
        )
    )

    assert [str(c.amount.amount) for c in order.charges] == ["10.00", "4.50", "4.00"]
    assert _amounts(order) == {
        "subtotal": "85.50",
        "discount": "14.50",
        "shipping": "0",
        "tax": "4.00",
        "total": "89.50",
    }
    _check_arithmetic(order)


def test_rates_per_unit_use_the_line_quantity_or_the_stated_quantity() -> None:
    order = _order(
        _po(
            "SAC*C*G970******1.5*CA*4",  # 1.50 a case for 4 cases
            lines=[["PO1*1*12*EA*2.5**VN*W-1", "SAC*A*C310******0.105"]],  # 0.105 a unit for 12 units
        )
    )

    assert [(c.kind.value, str(c.amount.amount)) for c in order.charges] == [("discount", "1.26"), ("fee", "6.00")]
    assert str(order.totals.total.amount) == "34.74"
    _check_arithmetic(order)


def test_negative_amounts_count_by_their_indicator_and_none_is_skipped() -> None:
    order = _order(
        _po(
            "SAC*A*C310***-500",
            "SAC*N*C310",
            "SAC*C*D240***750",
            lines=[["PO1*1*2*EA*50**VN*W-1", "SAC*C*H850***-825"]],
        )
    )

    assert [(c.kind.value, str(c.amount.amount)) for c in order.charges] == [
        ("tax", "8.25"),
        ("discount", "5.00"),
        ("shipping", "7.50"),
    ]
    assert str(order.totals.total.amount) == "110.75"
    _check_arithmetic(order)


def test_settled_apart_methods_are_listed_and_change_no_amount() -> None:
    plain = _order(_po(lines=[["PO1*1*4*EA*25**VN*W-1"]]))
    with_bill_back = _order(
        _po(
            "SAC*A*B720***2000*******01",  # bill back
            "SAC*A*A260****3*2*****04",  # credit to the buyer's account
            "SAC*C*D240***1500*******15",  # information only
            lines=[["PO1*1*4*EA*25**VN*W-1"]],
        )
    )

    assert [c.in_totals for c in with_bill_back.charges] == [False, False, False]
    assert with_bill_back.totals == plain.totals and with_bill_back.lines == plain.lines


def test_test_interchanges_give_test_orders() -> None:
    data = SAMPLE_4010.read_bytes()

    assert _order(data.replace(b"*0*P*>", b"*0*T*>")).test is True
    assert _order(data).test is False


# --- bad data: the error names the canonical field and what to do -----------------------------------------


@pytest.mark.parametrize(
    ("heading", "message"),
    [
        (["SAC*C*D240***45.00"], "field charges: x12_charges: order-level SAC 1: SAC05 '45.00' is not a whole number"),
        (["SAC*C*D240"], "order-level SAC 1: has no amount (SAC05), percent (SAC07) or rate (SAC08)"),
        (["SAC*Q*D240***100"], "SAC01 'Q' is not A (allowance), C (charge) or N (none)"),
        (["SAC*C*G970******1.5"], "SAC08 gives a rate per unit but no quantity (SAC09/SAC10)"),
        (["SAC*A*C310****3*x"], "SAC07 (percent) 'x' is not a number"),
        (["SAC*A*C310***20001"], "the order-level allowances (200.01) exceed what the lines come to (200)"),
    ],
)
def test_unreadable_sac_is_refused_under_charges(heading: list[str], message: str) -> None:
    with pytest.raises(MappingInputError) as caught:
        _order(_po(*heading, lines=[["PO1*1*2*EA*100**VN*W-1"]]))

    assert message in str(caught.value)
    assert caught.value.field == "charges"


def test_a_line_count_that_disagrees_refuses_the_order() -> None:
    with pytest.raises(MappingInputError, match=r"field lines: .*CTT01 says the order has 3 line items but it holds 2"):
        _order(_po(lines=[PO1_A, PO1_B], summary=("CTT*3",)))

    assert len(_order(_po(lines=[PO1_A, PO1_B], summary=("CTT*2",))).lines) == 2


def test_a_stated_total_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(MappingInputError, match=r"field attributes\.stated_total: expected a number"):
        _order(_po(lines=[PO1_A], summary=("CTT*1", "AMT*TT*99,99")))


def test_a_bad_line_price_is_still_reported_on_the_line_not_the_charges() -> None:
    with pytest.raises(MappingInputError, match=r"field lines\[0\]\.unit_price"):
        _order(_po("SAC*A*C310****3*10", lines=[["PO1*1*2*EA*4,75**VN*W-1"]]))


@pytest.mark.parametrize(
    ("sample", "case"),
    [(SAMPLE_4010, "allowances_charges"), (SAMPLE_5010, "stated_total_differs_5010")],
)
def test_golden_inputs_are_the_sample_trees(sample: Path, case: str) -> None:
    golden = HERE.parents[1] / "mappings" / "x12" / "850.cases" / f"{case}.in.json"

    assert mapping_inputs(sample.read_bytes()) == [json.loads(golden.read_text(encoding="utf-8"))]

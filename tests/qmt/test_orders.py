"""QMT's order-id bookkeeping, without threads or a terminal."""

from vnpy.trader.constant import Direction, Exchange, Offset, OrderType
from vnpy.trader.object import OrderRequest

from gateways.qmt.orders import OrderBook

OURS = "26120109300000001"      # 17 digits: what the gateway writes into order_remark


def placed(book: OrderBook, orderid: str = OURS, seq: int = 11):
    req = OrderRequest("600000", Exchange.SSE, Direction.LONG, OrderType.LIMIT, 100, 10.0, Offset.NONE)
    book.orders[orderid] = req.create_order_data(orderid, "QMT")
    book.sent(seq, orderid)


def test_an_answer_gives_our_order_its_qmt_id():
    book = OrderBook()
    placed(book)
    assert book.answered(11, OURS, 9001) == OURS
    assert book.orderid_for("anything", 9001) == OURS and book.venue_ids(OURS) == (None, 9001)


def test_orders_another_program_tagged_alike_stay_apart():
    book = OrderBook()
    assert book.orderid_for("grid-bot", 501) == "QMT501"
    assert book.orderid_for("grid-bot", 502) == "QMT502"


def test_a_cancel_waits_for_the_qmt_id_then_is_ready_once():
    book = OrderBook()
    placed(book)
    book.hold_cancel(OURS)
    assert not book.cancel_ready(OURS)
    book.answered(11, OURS, 9001)
    assert book.cancel_ready(OURS)
    book.drop_cancel(OURS)
    assert not book.cancel_ready(OURS)


def test_the_exchange_id_is_kept_for_cancelling_once_qmt_reports_it():
    book = OrderBook()
    placed(book)
    book.reported_order(OURS, book.orders[OURS], 9001, "SH-777")
    assert book.venue_ids(OURS) == ("SH-777", 9001)
    assert book.cancel_failed(0, "SH-777") == OURS and book.reported_orders() == [book.orders[OURS]]


def test_a_fill_is_seen_once():
    book = OrderBook()
    assert book.first_sight("SZ:123")
    book.trades["SZ:123"] = object()
    assert not book.first_sight("SZ:123") and book.first_sight("123")

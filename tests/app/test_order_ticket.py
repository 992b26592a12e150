"""The order ticket speaks each market's words and sends what it says."""

import pytest
from vnpy.trader.constant import Direction, Offset, OrderType, Status

from lianghua_app.ui.ticket import OrderTicket
from tests.helpers import drain, make_tick, shown, wait_until


@pytest.fixture
def ticket(qtbot, engine, sim):
    return shown(qtbot, OrderTicket, engine)


def choose(ticket, vt_symbol: str) -> None:
    symbol, _, exchange = vt_symbol.partition(".")
    ticket.exchange_combo.setCurrentText(exchange)
    ticket.symbol_line.setText(symbol)
    ticket.set_vt_symbol()


def items(combo) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def test_an_a_share_ticket_says_buy_and_sell_and_offers_only_stock_order_types(ticket):
    choose(ticket, "000001.SZSE")
    assert items(ticket.direction_combo) == ["买入", "卖出"]
    assert items(ticket.order_type_combo) == ["限价", "市价"]
    assert not ticket.offset_combo.isVisible()
    ticket.direction_combo.setCurrentText("卖出")
    ticket.volume_line.setText("100")
    ticket.price_line.setText("11.00")
    req, _ = ticket.request()
    assert (req.direction, req.offset, req.type, req.volume, req.price) == \
        (Direction.SHORT, Offset.NONE, OrderType.LIMIT, 100, 11.0)


def test_a_perpetual_ticket_opens_long_or_short_and_closes_what_is_held(ticket, engine, sim):
    choose(ticket, "BTCUSDT.GLOBAL")
    assert items(ticket.direction_combo) == ["开多", "开空", "平仓"]
    assert "立即成交剩余撤销(FAK)" in items(ticket.order_type_combo)
    ticket.direction_combo.setCurrentText("平仓")
    ticket.volume_line.setText("0.01")
    req, problem = ticket.request()
    assert req is None and "没有持仓" in problem
    sim.push_tick(make_tick("BTCUSDT.GLOBAL", 60_000.0))
    drain(engine)
    ticket.direction_combo.setCurrentText("开多")
    ticket.order_type_combo.setCurrentText("市价")
    ticket.send_order()
    wait_until(lambda: any(p.volume > 0 for p in engine.get_all_positions() if p.symbol == "BTCUSDT"))
    ticket.direction_combo.setCurrentText("平仓")
    req, _ = ticket.request()
    assert (req.direction, req.offset) == (Direction.SHORT, Offset.CLOSE)


def test_the_depth_ladder_names_each_level_and_formats_sizes(ticket, engine, sim, qtbot):
    choose(ticket, "000001.SZSE")
    assert [label.text() for label in ticket.level_labels] == \
        ["卖五", "卖四", "卖三", "卖二", "卖一", "最新", "买一", "买二", "买三", "买四", "买五"]
    sim.push_tick(make_tick("000001.SZSE", 11.0, bid=10.99, ask=11.01))
    qtbot.waitUntil(lambda: ticket.bp1_label.text() == "10.99", timeout=60_000)
    assert ticket.ap1_label.text() == "11.01" and "." not in ticket.bv1_label.text()


def test_a_post_only_perpetual_order_that_would_take_is_refused_and_one_that_rests_is_placed(ticket, engine, sim):
    sim.push_tick(make_tick("BTCUSDT.GLOBAL", 60_000.0, bid=59_999.9, ask=60_000.0))
    drain(engine)
    choose(ticket, "BTCUSDT.GLOBAL")
    ticket.order_type_combo.setCurrentText("限价·只做Maker")
    ticket.volume_line.setText("0.01")
    ticket.price_line.setText("60000.0")                               # at the ask: it would take
    taking = engine.send_order(ticket.request()[0], "SIM")
    ticket.price_line.setText("59990.0")
    resting = engine.send_order(ticket.request()[0], "SIM")
    drain(engine)
    assert engine.get_order(taking).status is Status.REJECTED
    assert "Maker" in engine.get_order(taking).extra["reason"]
    assert engine.get_order(resting).status is Status.NOTTRADED


def test_a_trigger_order_needs_its_trigger_price_and_sim_refuses_it_in_words(ticket, engine, sim):
    choose(ticket, "BTCUSDT.GLOBAL")
    ticket.order_type_combo.setCurrentText("触发单（止损/止盈，市价）")
    assert ticket.price_label.text() == "触发价"
    ticket.volume_line.setText("0.01")
    ticket.price_line.setText("")
    req, problem = ticket.request()
    assert req is None and "触发价" in problem
    ticket.price_line.setText("59000.0")
    vt_orderid = engine.send_order(ticket.request()[0], "SIM")
    drain(engine)
    order = engine.get_order(vt_orderid)
    assert order.status is Status.REJECTED and "条件单" in order.extra["reason"]


def test_the_perpetual_ticket_sets_leverage_and_margin_mode_on_binance(qtbot, engine, exchange, binance):
    ticket = shown(qtbot, OrderTicket, engine)
    choose(ticket, "000001.SZSE")
    assert not ticket.leverage_box.isVisible()                         # stocks have no leverage
    choose(ticket, "BTCUSDT.GLOBAL")
    ticket.gateway_combo.setCurrentText("BINANCE")
    assert ticket.leverage_box.isVisible()
    assert ticket.leverage_spin.maximum() == exchange.venue.symbols["BTCUSDT"].max_leverage
    ticket.leverage_spin.setValue(10)
    ticket.margin_combo.setCurrentText("逐仓")
    assert "10倍" in ticket.apply_leverage()
    account = exchange.venue.account
    wait_until(lambda: account.leverage.get("BTCUSDT") == 10 and account.margin_type.get("BTCUSDT") == "isolated")

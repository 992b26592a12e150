"""The QMT gateway inside a running engine, against the fake terminal: connect, contracts,
quotes, history, trading, positions, cancels, rejects and reconnects."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

from vnpy.trader.constant import Direction, Exchange, Interval, OrderType, Status
from vnpy.trader.event import EVENT_LOG, EVENT_TRADE
from vnpy.trader.object import CancelRequest, HistoryRequest, SubscribeRequest

from gateways.qmt.client import new_session_id
from gateways.qmt.mapping import xtconstant as C
from lianghua_app.events import EVENT_GATEWAY_STATUS, EVENT_MARKET_SNAPSHOT
from lianghua_app.markets import CHINA_TZ
from lianghua_app.storage.models import OrderRecord, TradeRecord
from tests.helpers import QMT_ACCOUNT, drain, order, settle, wait_until


def collect(engine, kind: str) -> list:
    seen: list = []
    engine.event_engine.register(kind, lambda event: seen.append(event.data))
    return seen


def terminal_order(terminal, vt_orderid: str):
    orderid = vt_orderid.split(".", 1)[1]
    return next(o for o in terminal.account(QMT_ACCOUNT).orders.values() if o.order_remark == orderid)


def place(engine, vt_symbol: str, direction: Direction, volume: float, price: float = 0.0,
          order_type: OrderType = OrderType.LIMIT) -> str:
    return engine.send_order(order(vt_symbol, direction, volume, price, order_type=order_type), "QMT")


def status_of(engine, vt_orderid: str) -> Status | None:
    found = engine.get_order(vt_orderid)
    return found.status if found else None


# --- connecting ------------------------------------------------------------------------------------
def test_contracts_cover_stocks_etfs_and_bse_with_lots_ticks_and_limits(qmt, engine):
    star = engine.get_contract("688981.SSE")
    assert star.min_volume == 200 and star.extra["limit_up"] == 60.0
    assert engine.get_contract("600000.SSE").min_volume == 100
    assert engine.get_contract("510300.SSE").pricetick == 0.001
    assert engine.get_contract("430047.BSE").name == "诺思兰德"
    assert engine.gateway_status["QMT"].connected


def test_each_process_gets_its_own_session_id():
    here = new_session_id()
    there = subprocess.run([sys.executable, "-c", "from gateways.qmt.client import new_session_id;"
                            "print(new_session_id())"], capture_output=True, text=True, check=True)
    assert int(there.stdout) != here
    assert new_session_id() != here


def connect_and_wait(engine, setting: dict) -> list:
    statuses = collect(engine, EVENT_GATEWAY_STATUS)
    logs = collect(engine, EVENT_LOG)
    engine.connect(setting, "QMT")
    settle(engine, lambda: any(not s.busy for s in statuses))
    assert not any("Traceback" in log.msg for log in logs)
    return statuses


def test_a_terminal_not_logged_in_is_reported_in_plain_words(engine, terminal):
    from gateways.qmt.client import register_backend

    register_backend("fake", terminal.backend)
    statuses = connect_and_wait(engine, {"userdata_path": r"D:\wrong\userdata_mini", "account_id": QMT_ACCOUNT,
                                         "backend": "fake"})
    assert "QMT未启动或未登录极简模式" in statuses[-1].message
    assert not engine.gateways["QMT"].connected


def test_a_closed_terminal_is_reported_in_plain_words(engine, terminal):
    from gateways.qmt.client import register_backend

    terminal.running = False
    register_backend("fake", terminal.backend)
    statuses = connect_and_wait(engine, {"userdata_path": terminal.userdata_path, "account_id": QMT_ACCOUNT,
                                         "backend": "fake"})
    assert "请确认QMT已启动" in statuses[-1].message


def test_without_windows_the_real_sdk_is_explained_not_dumped(engine):
    statuses = connect_and_wait(engine, {"userdata_path": "C:/QMT/userdata_mini", "account_id": "1",
                                         "backend": "xtquant"})
    assert "Windows" in statuses[-1].message


def test_a_missing_account_is_asked_for(engine):
    statuses = connect_and_wait(engine, {"userdata_path": "C:/QMT/userdata_mini", "account_id": ""})
    assert statuses[-1].message == "请填写QMT资金账号"


def test_the_demo_backend_connects_without_a_broker(engine):
    statuses = connect_and_wait(engine, {"userdata_path": "demo", "account_id": "55001234", "backend": "demo"})
    assert statuses[-1].connected
    assert engine.get_contract("600519.SSE") is not None


# --- market data -----------------------------------------------------------------------------------
def test_a_subscribed_symbol_streams_ticks_with_depth_limits_and_last_volume(qmt, engine, terminal):
    engine.subscribe(SubscribeRequest("600000", Exchange.SSE), "QMT")
    wait_until(lambda: qmt.subscribed.get("600000.SH", 0) > 0)
    terminal.set_quote("600000.SH", 10.05, bid=10.04, ask=10.06)
    terminal.set_quote("600000.SH", 10.07, bid=10.06, ask=10.08, shape="list")
    settle(engine, lambda: (engine.get_tick("600000.SSE")) is not None
               and engine.get_tick("600000.SSE").last_price == 10.07)
    tick = engine.get_tick("600000.SSE")
    assert tick.bid_price_5 == 10.02 and tick.ask_volume_5 == 10_000
    assert (tick.limit_up, tick.limit_down) == (11.0, 9.0)
    assert tick.last_volume == 1000 and tick.name == "浦发银行"


def test_whole_market_mode_delivers_each_snapshot_as_one_batch(qmt, engine, terminal):
    batches = collect(engine, EVENT_MARKET_SNAPSHOT)
    qmt.subscribe_whole_market()
    settle(engine, lambda: batches)
    first = batches[0].frame
    assert set(first.vt_symbols) >= {"600000.SSE", "430047.BSE", "159915.SZSE"}
    row = first.vt_symbols.index("600000.SSE")
    assert (first.limit_up[row], first.limit_down[row]) == (11.0, 9.0) and first.names[row] == "浦发银行"
    assert first.volume[row] % 100 == 0 and first.last[row] > 0
    terminal.push_quotes()
    settle(engine, lambda: (len(batches)) >= 2)
    assert len(batches[1].frame) == len(terminal.instruments)


def test_history_reads_daily_and_minute_bars_in_vnpy_time(qmt):
    start, end = datetime(2024, 6, 3, tzinfo=CHINA_TZ), datetime(2024, 6, 4, 23, tzinfo=CHINA_TZ)
    daily = qmt.query_history(HistoryRequest("600000", Exchange.SSE, start, end, Interval.DAILY))
    minutes = qmt.query_history(HistoryRequest("600000", Exchange.SSE, start, end, Interval.MINUTE))
    five = qmt.fetch_bars("600000", Exchange.SSE, "5m", start, end)
    assert [b.datetime for b in daily] == [datetime(2024, 6, 3, tzinfo=CHINA_TZ), datetime(2024, 6, 4, tzinfo=CHINA_TZ)]
    assert len(minutes) == 480 and len(five) == 96
    assert minutes[0].datetime.strftime("%H:%M") == "09:30" and minutes[239].datetime.strftime("%H:%M") == "14:59"
    assert five[0].datetime.strftime("%H:%M") == "09:30"


# --- trading ---------------------------------------------------------------------------------------
def test_a_limit_buy_fills_carries_our_id_and_is_not_sellable_today(qmt, engine, terminal):
    vt_orderid = place(engine, "600000.SSE", Direction.LONG, 1000, 10.0)
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.ALLTRADED)
    assert terminal_order(terminal, vt_orderid).order_remark == vt_orderid.split(".")[1]
    settle(engine, lambda: (engine.get_position("QMT.600000.SSE.多")) is not None)
    position = engine.get_position("QMT.600000.SSE.多")
    assert position.volume == 1000 and engine.sellable_volume("600000.SSE", "QMT") == 0
    assert TradeRecord.select().where(TradeRecord.vt_orderid == vt_orderid).count() == 1
    refused = place(engine, "600000.SSE", Direction.SHORT, 100, 10.0)
    drain(engine)
    assert "可卖" in engine.get_order(refused).extra["reason"]


def test_a_buy_freezes_cash_until_it_fills(qmt, engine, terminal):
    terminal.set_quote("600519.SH", 1500.0, bid=1499.0, ask=1501.0, push=False)
    place(engine, "600519.SSE", Direction.LONG, 100, 1490.0)
    settle(engine, lambda: (engine.get_account("QMT.55001234")).frozen > 0)
    account = engine.get_account("QMT.55001234")
    assert account.frozen >= 149_000 and account.available <= 1_000_000 - 149_000


def test_partial_fills_add_up_and_a_repeated_fill_counts_once(qmt, engine, terminal):
    terminal.set_quote("000001.SZ", 12.0, bid=11.99, ask=12.0, ask_lots=3, push=False)
    vt_orderid = place(engine, "000001.SZSE", Direction.LONG, 1000, 12.0)
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.PARTTRADED)
    assert engine.get_order(vt_orderid).traded == 300
    trade = terminal.account(QMT_ACCOUNT).trades[-1]
    terminal._broadcast(QMT_ACCOUNT, "stock_trade", trade)          # QMT repeats a fill
    terminal.set_quote("000001.SZ", 12.0, bid=11.99, ask=12.0, ask_lots=100)
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.ALLTRADED)
    assert engine.get_order(vt_orderid).traded == 1000
    trades = [t for t in engine.get_all_trades() if t.vt_orderid == vt_orderid]
    assert sum(t.volume for t in trades) == 1000


def test_fills_are_right_whichever_of_trade_and_order_arrives_first(qmt, engine, terminal):
    terminal.trade_before_order = False
    vt_orderid = place(engine, "600000.SSE", Direction.LONG, 500, 10.0)

    def traded() -> float:
        return sum(t.volume for t in engine.get_all_trades() if t.vt_orderid == vt_orderid)

    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.ALLTRADED and traded() >= 500)
    assert traded() == 500


def test_market_orders_use_each_exchanges_own_price_type(qmt, engine, terminal):
    sh = place(engine, "600000.SSE", Direction.LONG, 100, order_type=OrderType.MARKET)
    sz = place(engine, "000001.SZSE", Direction.LONG, 100, order_type=OrderType.MARKET)
    settle(engine, lambda: (status_of(engine, sh), status_of(engine, sz)) == (Status.ALLTRADED, Status.ALLTRADED))
    assert terminal_order(terminal, sh).sent_price_type == C.MARKET_SH_CONVERT_5_CANCEL
    assert terminal_order(terminal, sz).sent_price_type == C.MARKET_SZ_CONVERT_5_CANCEL


def test_an_order_type_qmt_lacks_is_refused_before_it_is_sent(qmt, engine, terminal):
    vt_orderid = place(engine, "600000.SSE", Direction.LONG, 100, 10.0, order_type=OrderType.FOK)
    drain(engine)
    assert engine.get_order(vt_orderid).status is Status.REJECTED
    assert "QMT不支持" in engine.get_order(vt_orderid).extra["reason"]
    assert not terminal.account(QMT_ACCOUNT).orders


def test_a_counter_rejection_shows_qmts_reason(qmt, engine, terminal):
    terminal.counter_rejects["600000.SH"] = "证券账户受限，禁止买入"
    vt_orderid = place(engine, "600000.SSE", Direction.LONG, 100, 10.0)
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.REJECTED)
    assert engine.get_order(vt_orderid).extra["reason"] == "证券账户受限，禁止买入"
    assert OrderRecord.get(OrderRecord.vt_orderid == vt_orderid).status == "REJECTED"


def test_a_pre_counter_rejection_arrives_after_the_reply_and_rejects_our_order(qmt, engine, terminal):
    vt_orderid = place(engine, "600519.SSE", Direction.LONG, 1000, 1500.0)   # 1.5 million: more than cash
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.REJECTED)
    assert "可用资金不足" in engine.get_order(vt_orderid).extra["reason"]


def test_risk_guards_apply_to_qmt_orders(qmt, engine, terminal):
    engine.add_guard("test-limit", lambda req, gateway: "单笔委托超过上限" if req.volume > 500 else None)
    vt_orderid = place(engine, "600000.SSE", Direction.LONG, 1000, 10.0)
    drain(engine)
    assert engine.get_order(vt_orderid).extra["reason"] == "单笔委托超过上限"
    assert not terminal.account(QMT_ACCOUNT).orders


def test_the_risk_manager_judges_qmt_orders_against_the_qmt_account(qmt, engine, terminal):
    risk = engine.get_engine("RiskManager")
    assert risk.apply({"enabled": {"max_position": True},
                       "params": {"max_position": {"volume": 1e9, "notional": 1e12, "equity_percent": 0.5}}}) == []
    wait_until(lambda: risk.book.account("QMT", "CNY") is not None)
    vt_orderid = place(engine, "600000.SSE", Direction.LONG, 1000, 10.0)
    drain(engine)
    assert engine.get_order(vt_orderid).extra["reason"] == "600000.SSE 持仓市值将达 10,000，占权益 1.0%，上限 0.5%"
    assert not terminal.account(QMT_ACCOUNT).orders


# --- cancels ---------------------------------------------------------------------------------------
def rest(engine, terminal, vt_symbol: str = "600000.SSE", price: float = 9.5) -> str:
    vt_orderid = place(engine, vt_symbol, Direction.LONG, 1000, price)
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.NOTTRADED)
    return vt_orderid


def cancel(engine, vt_orderid: str, vt_symbol: str = "600000.SSE") -> None:
    """Cancel by id, whether or not the order's first update has been shown yet."""
    symbol, exchange = vt_symbol.rsplit(".", 1)
    engine.cancel_order(CancelRequest(vt_orderid.split(".", 1)[1], symbol, Exchange(exchange)), "QMT")


def test_a_pending_cancel_stays_live_until_the_exchange_confirms(qmt, engine, terminal):
    terminal.hold_cancels = True
    vt_orderid = rest(engine, terminal)
    cancel(engine, vt_orderid)
    settle(engine, lambda: engine.get_order(vt_orderid).extra.get("cancel_pending"))
    assert engine.get_order(vt_orderid).is_active()
    terminal.confirm_cancel(QMT_ACCOUNT, terminal_order(terminal, vt_orderid).order_id)
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.CANCELLED)


def test_a_fill_during_a_pending_cancel_is_kept(qmt, engine, terminal):
    terminal.hold_cancels = True
    vt_orderid = rest(engine, terminal)
    cancel(engine, vt_orderid)
    settle(engine, lambda: engine.get_order(vt_orderid).extra.get("cancel_pending"))
    terminal.fill(QMT_ACCOUNT, terminal_order(terminal, vt_orderid).order_id, 400, 9.5)
    terminal.confirm_cancel(QMT_ACCOUNT, terminal_order(terminal, vt_orderid).order_id)
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.CANCELLED)
    assert engine.get_order(vt_orderid).traded == 400


def test_a_cancel_qmt_refuses_is_reported_on_the_order(qmt, engine, terminal):
    vt_orderid = rest(engine, terminal)
    terminal_order(terminal, vt_orderid).order_status = C.ORDER_SUCCEEDED   # filled while the cancel travels
    cancel(engine, vt_orderid)
    settle(engine, lambda: "撤单失败" in engine.get_order(vt_orderid).extra.get("reason", ""))


def test_a_beijing_order_is_cancelled_on_the_beijing_market(qmt, engine, terminal):
    vt_orderid = rest(engine, terminal, "430047.BSE", 14.5)
    cancel(engine, vt_orderid, "430047.BSE")
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.CANCELLED)


def test_a_cancel_before_qmt_numbers_the_order_is_sent_once_it_does(qmt, engine, terminal):
    with qmt.lock:   # hold back QMT's replies until both requests are made
        vt_orderid = place(engine, "600000.SSE", Direction.LONG, 1000, 9.5)
        cancel(engine, vt_orderid)
        assert status_of(engine, vt_orderid) in (None, Status.SUBMITTING)
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.CANCELLED)


# --- positions and account -------------------------------------------------------------------------
def test_held_shares_show_volume_sellable_frozen_cost_and_pnl(engine, terminal, qmt):
    terminal.give_position(QMT_ACCOUNT, "600000.SH", 2000, 9.0)
    qmt.query_position()
    settle(engine, lambda: (engine.get_position("QMT.600000.SSE.多")) is not None)
    place(engine, "600000.SSE", Direction.SHORT, 500, 10.5)
    settle(engine, lambda: (engine.get_position("QMT.600000.SSE.多")).frozen == 500)
    position = engine.get_position("QMT.600000.SSE.多")
    assert position.volume == 2000 and engine.sellable_volume("600000.SSE", "QMT") == 1500
    assert position.price == 9.0 and position.pnl == 2000.0


def test_yesterdays_buys_become_sellable_the_next_day(qmt, engine, terminal):
    place(engine, "600000.SSE", Direction.LONG, 1000, 10.0)
    settle(engine, lambda: (engine.get_position("QMT.600000.SSE.多")) is not None)
    terminal.roll_day()
    qmt.query_position()
    settle(engine, lambda: (engine.sellable_volume("600000.SSE", "QMT")) == 1000)


# --- resilience ------------------------------------------------------------------------------------
def test_after_a_drop_the_gateway_reconnects_and_duplicates_nothing(qmt, engine, terminal):
    engine.subscribe(SubscribeRequest("600000", Exchange.SSE), "QMT")
    vt_orderid = rest(engine, terminal)
    statuses = collect(engine, EVENT_GATEWAY_STATUS)
    old_trader = qmt.trader
    terminal.drop_connections()
    settle(engine, lambda: any(not s.connected for s in statuses))
    wait_until(lambda: qmt.connected and qmt.trader is not old_trader)
    assert qmt.trader.session_id != old_trader.session_id
    assert OrderRecord.select().where(OrderRecord.vt_orderid == vt_orderid).count() == 1
    assert len(terminal.account(QMT_ACCOUNT).orders) == 1
    terminal.set_quote("600000.SH", 9.5, bid=9.49, ask=9.5)          # the resting order fills after the reconnect
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.ALLTRADED)
    settle(engine, lambda: (engine.get_tick("600000.SSE")).last_price == 9.5)


def test_while_the_terminal_is_down_orders_are_refused_and_it_keeps_trying(qmt, engine, terminal):
    logs = collect(engine, EVENT_LOG)
    terminal.shutdown()
    wait_until(lambda: not qmt.connected)
    refused = place(engine, "600000.SSE", Direction.LONG, 100, 10.0)
    drain(engine)
    assert "未连接" in engine.get_order(refused).extra["reason"]
    settle(engine, lambda: (sum("重连" in log.msg for log in logs)) >= 2)
    terminal.running = True
    wait_until(lambda: qmt.connected)


def test_the_journal_reconciles_after_a_reconnect(qmt, engine, terminal):
    vt_orderid = rest(engine, terminal)
    logs = collect(engine, EVENT_LOG)
    terminal.drop_connections()
    terminal.account(QMT_ACCOUNT).orders.clear()      # the terminal forgot the order
    settle(engine, lambda: qmt.connected and any("对账" in log.msg for log in logs))
    assert any(vt_orderid in log.msg for log in logs if "对账" in log.msg)


def test_events_never_reach_a_widget_before_the_journal(qmt, engine):
    seen = []
    engine.event_engine.register(EVENT_TRADE, lambda event: seen.append(
        TradeRecord.select().where(TradeRecord.vt_tradeid == event.data.vt_tradeid).count()))
    vt_orderid = place(engine, "600000.SSE", Direction.LONG, 100, 10.0)
    settle(engine, lambda: (status_of(engine, vt_orderid)) is Status.ALLTRADED and seen)
    assert seen == [1]


def test_limit_prices_are_refreshed_on_a_new_trading_day(qmt, engine, terminal):
    terminal.set_quote("600000.SH", 10.8, push=False)
    terminal.roll_day()
    qmt.limits_day = date(2000, 1, 1)
    qmt.query_account()
    settle(engine, lambda: (engine.get_contract("600000.SSE").extra["limit_up"]) == 11.88)


def test_a_symbol_on_both_sim_and_qmt_is_flagged_once(sim, engine, terminal):
    from gateways.qmt.client import register_backend

    logs = collect(engine, EVENT_LOG)
    register_backend("fake", terminal.backend)
    connect_and_wait(engine, {"userdata_path": terminal.userdata_path, "account_id": QMT_ACCOUNT,
                              "backend": "fake"})
    drain(engine)
    warnings = [log.msg for log in logs if "同时由SIM和QMT提供" in log.msg]
    assert len(warnings) == 1


def another_program(terminal):
    """A second client of the same terminal (another trading program), with its own session."""
    from gateways.qmt.mapping import xttype

    other = terminal.backend().make_trader(terminal.userdata_path, 424242)
    other.start()
    assert other.connect() == 0
    account = xttype.StockAccount(QMT_ACCOUNT, "STOCK")
    other.subscribe(account)
    return other, account


def test_orders_another_program_tags_with_one_remark_stay_separate_orders(qmt, engine, terminal):
    other, account = another_program(terminal)
    try:
        for price in (9.5, 9.6):
            other.order_stock_async(account, "600000.SH", C.STOCK_BUY, 100, C.FIX_PRICE, price, "bot", "mybot")
        settle(engine, lambda: (len([o for o in engine.get_all_orders() if o.gateway_name == "QMT"]))
                   == 2)
    finally:
        other.stop()
    prices = sorted(o.price for o in engine.get_all_orders() if o.gateway_name == "QMT")
    assert prices == [9.5, 9.6]
    assert all(o.orderid.startswith("QMT") for o in engine.get_all_orders() if o.gateway_name == "QMT")


def test_a_shanghai_and_a_shenzhen_trade_with_the_same_number_are_both_kept(qmt, engine, terminal):
    first = place(engine, "600000.SSE", Direction.LONG, 100, 10.0)
    second = place(engine, "000001.SZSE", Direction.LONG, 100, 12.0)
    terminal.set_quote("000001.SZ", 12.0, bid=11.99, ask=12.0)
    settle(engine, lambda: (status_of(engine, first), status_of(engine, second))
           == (Status.ALLTRADED, Status.ALLTRADED))
    numbers = [t.traded_id for t in terminal.account(QMT_ACCOUNT).trades]
    assert numbers[0] == numbers[1]             # each exchange numbers its own trades
    assert TradeRecord.select().count() == 2
    assert engine.halts == {}


def test_a_send_qmt_answers_with_minus_one_is_rejected_at_once(qmt, engine, terminal):
    terminal.refuse_sends = True
    vt_orderid = place(engine, "600000.SSE", Direction.LONG, 100, 10.0)
    drain(engine)
    refused = engine.get_order(vt_orderid)
    assert refused.status is Status.REJECTED and "-1" in refused.extra["reason"]


def test_trades_journaled_before_ids_carried_the_market_are_not_counted_twice(engine, terminal):
    from datetime import datetime as moment

    from gateways.qmt.client import register_backend

    journaled = TradeRecord.create(vt_tradeid="QMT.T00000001", vt_orderid="QMT.261201093000000001", gateway="QMT",
                                   vt_symbol="000001.SZSE", direction="LONG", offset="NONE", price=12.0,
                                   volume=100, datetime=moment.now(CHINA_TZ).replace(tzinfo=None))
    terminal.set_quote("000001.SZ", 12.0, bid=11.99, ask=12.0, push=False)
    other, account = another_program(terminal)
    other.order_stock_async(account, "000001.SZ", C.STOCK_BUY, 100, C.FIX_PRICE, 12.0, "", "")
    wait_until(lambda: terminal.account(QMT_ACCOUNT).trades)
    other.stop()
    register_backend("fake", terminal.backend)
    engine.connect({"userdata_path": terminal.userdata_path, "account_id": QMT_ACCOUNT, "backend": "fake"}, "QMT")
    settle(engine, lambda: engine.gateways["QMT"].connected and engine.get_all_trades())
    assert [t.vt_tradeid for t in engine.get_all_trades()] == [journaled.vt_tradeid]
    assert TradeRecord.select().count() == 1

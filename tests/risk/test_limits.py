"""Position, capital, list, session and flow rules of the risk manager against SIM: inside the
limit passes, just past it is refused with the value and the limit, counters follow the day."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from vnpy.trader.constant import Direction

from apps.risk_manager.day import trading_day
from lianghua_app.markets import CHINA_TZ
from tests.helpers import PINGAN, drain, limits, order, quote, send

MOUTAI = "600519.SSE"
CATL = "300750.SZSE"


def at(hour: int, minute: int, day: int = 3) -> datetime:
    return datetime(2024, 6, day, hour, minute, tzinfo=CHINA_TZ)


def test_an_ashare_day_ends_at_its_boundary_and_crypto_at_midnight_utc():
    assert trading_day("ashare", at(15, 29), "15:30").day == 3
    assert trading_day("ashare", at(15, 31), "15:30").day == 4
    assert trading_day("crypto", at(7, 59), "00:00").day == 2          # 23:59 UTC on the 2nd
    assert trading_day("crypto", at(8, 0), "00:00").day == 3


def test_a_symbol_outside_the_whitelist_is_refused_only_on_a_whitelist_only_gateway(engine, sim, risk):
    quote(sim)
    limits(risk, whitelist={"symbols": [MOUTAI], "gateways": ["QMT"]})
    assert send(engine, order(PINGAN, Direction.LONG, 100, 10.0)) is None
    limits(risk, whitelist={"symbols": [MOUTAI], "gateways": ["SIM"]})
    assert "不在白名单中" in send(engine, order(PINGAN, Direction.LONG, 100, 10.0))


def test_an_approval_adds_the_symbol_to_the_whitelist_live(engine, sim, risk):
    quote(sim)
    limits(risk, whitelist={"symbols": [], "gateways": ["SIM"]})
    assert send(engine, order(PINGAN, Direction.LONG, 100, 10.0)) is not None
    assert risk.set_whitelisted(PINGAN, True) == []
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.99)) is None
    assert risk.set_whitelisted(PINGAN, False) == []
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.98)) is not None


def test_orders_outside_the_ashare_sessions_are_refused(engine, sim, risk):
    quote(sim)
    limits(risk, trading_hours={"ashare": ["09:30-11:30", "13:00-15:00"]})
    risk.now = lambda: at(10, 0)
    assert send(engine, order(PINGAN, Direction.LONG, 100, 10.0)) is None
    risk.now = lambda: at(12, 0)
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.99)) == \
        "12:00:00 不在允许的交易时段（09:30-11:30，13:00-15:00）内"
    risk.now = lambda: at(10, 0, day=8)                                 # a Saturday
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.98)) == "A股周末休市，不接受委托"


def test_a_session_that_ends_before_it_starts_is_refused_as_configuration(risk):
    errors = risk.apply({"enabled": {"trading_hours": True}, "params": {"trading_hours": {"ashare": ["15:00-09:30"]}}})
    assert errors and "HH:MM-HH:MM" in errors[0]


def test_cancels_per_minute_past_the_limit_stop_new_opening_orders(engine, sim, risk):
    quote(sim)
    limits(risk, cancel_rate={"per_minute": 2, "ratio": 0, "min_orders": 0})
    ids = [engine.send_order(order(PINGAN, Direction.LONG, 100, price), "SIM") for price in (9.90, 9.91)]
    drain(engine)
    for vt_orderid in ids:
        engine.cancel_order(engine.get_order(vt_orderid).create_cancel_request(), "SIM")
    drain(engine)
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.92)) == "每分钟撤单 2 笔已达上限 2，暂停开仓"


def test_the_cancel_to_order_ratio_counts_the_trading_day_and_resets_at_its_boundary(engine, sim, risk):
    quote(sim)
    limits(risk, cancel_rate={"per_minute": 0, "ratio": 0.5, "min_orders": 2})
    risk.now = lambda: at(10, 0)
    ids = [engine.send_order(order(PINGAN, Direction.LONG, 100, price), "SIM") for price in (9.90, 9.91)]
    drain(engine)
    engine.cancel_order(engine.get_order(ids[0]).create_cancel_request(), "SIM")
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.92)) == \
        "当日撤单/委托比 1/2 = 0.50 已达上限 0.5，暂停开仓"
    risk.now = lambda: at(15, 31)                                       # the next A-share trading day
    assert send(engine, order(PINGAN, Direction.LONG, 100, 9.92)) is None


def test_a_position_past_its_share_of_equity_is_refused(engine, sim, risk):
    quote(sim)
    limits(risk, max_position={"volume": 1e9, "notional": 1e12, "equity_percent": 10})
    assert send(engine, order(PINGAN, Direction.LONG, 10_000, 10.0)) is None       # 100,000 of 1,000,000, filled
    quote(sim)
    assert send(engine, order(PINGAN, Direction.LONG, 100, 10.0)) == \
        f"{PINGAN} 持仓市值将达 101,000，占权益 10.1%，上限 10%"


def test_a_sector_past_its_share_of_equity_is_refused(engine, sim, risk, tmp_path):
    quote(sim)
    quote(sim, 200.0, vt_symbol=CATL)
    sectors = tmp_path / "sectors.csv"
    sectors.write_text("symbol,sector\n000001,银行\n300750.SZSE,电池\n", encoding="utf-8")
    assert risk.load_sectors(sectors) is None
    assert send(engine, order(PINGAN, Direction.LONG, 20_000, 10.0)) is None       # 200,000 in 银行, filled
    quote(sim)
    limits(risk, sector_concentration={"percent": 25})
    assert send(engine, order(PINGAN, Direction.LONG, 4_900, 10.0)) is None        # 249,000: inside
    quote(sim)
    assert send(engine, order(PINGAN, Direction.LONG, 200, 10.0)) == \
        "行业「银行」持仓将达 251,000，占权益 25.1%，上限 25%"
    assert send(engine, order(CATL, Direction.LONG, 1000, 200.0)) is None          # another sector


def test_a_sector_file_without_a_sector_column_is_refused_with_its_columns(risk, tmp_path):
    broken = tmp_path / "sectors.csv"
    broken.write_text("code,industry\n000001,银行\n", encoding="utf-8")
    assert risk.load_sectors(broken) == f"行业文件 {broken} 须有 symbol 和 sector 两列，实际为：code, industry"


def test_gross_exposure_counts_every_holding_against_the_leverage_cap(engine, sim, risk):
    quote(sim)
    quote(sim, 200.0, vt_symbol=CATL)
    assert send(engine, order(CATL, Direction.LONG, 2000, 200.0)) is None           # 400,000 held
    quote(sim, 200.0, vt_symbol=CATL)
    limits(risk, gross_exposure={"notional": 0, "leverage": 0.5})
    assert send(engine, order(PINGAN, Direction.LONG, 9_900, 10.0)) is None         # 499,000: under 0.5x
    quote(sim)
    reason = send(engine, order(PINGAN, Direction.LONG, 1000, 10.0))
    assert reason.startswith("杠杆将达 0.51 倍（持仓 509,000 / 权益 999,")


def test_a_buy_that_would_eat_the_cash_reserve_is_refused(engine, sim, risk):
    quote(sim)
    limits(risk, cash_reserve={"percent": 20})
    assert send(engine, order(PINGAN, Direction.LONG, 80_000, 10.0)) is None        # leaves 200,000
    quote(sim)
    reason = send(engine, order(PINGAN, Direction.LONG, 100, 10.0))
    assert reason.startswith("下单后可用资金") and "（权益的 20%）" in reason


@pytest.mark.parametrize("boundary", ["25:00", "noon", 1530])
def test_a_bad_day_boundary_is_refused_and_the_old_one_stays(risk, boundary):
    errors = risk.apply({"boundaries": {"ashare": boundary}})
    assert errors and "HH:MM" in errors[0]
    assert risk.config.boundaries["ashare"] == "15:30"


def test_a_crypto_day_counts_in_utc(risk):
    risk.now = lambda: datetime(2024, 6, 3, 23, 59, tzinfo=timezone.utc)
    assert trading_day("crypto", risk.now(), risk.config.boundaries["crypto"]).day == 3

"""What the monitor gets from QMT besides quotes: industries from QMT's Shenwan sector lists,
and Level-2 transactions that feed the big-order rule."""

from __future__ import annotations

import pytest
from vnpy.trader.event import EVENT_LOG

from apps.monitor.alerts import AlertRecord
from lianghua_app.events import EVENT_LEVEL2_TRADES
from tests.helpers import QMT_ACCOUNT, settle, wait_until

LEVEL2_ON = pytest.mark.parametrize("qmt_setting", [{"level2": "on"}])


def level2_prints(engine) -> list:
    seen: list = []
    engine.event_engine.register(EVENT_LEVEL2_TRADES, lambda event: seen.extend(event.data.trades))
    return seen


def test_contracts_carry_their_shenwan_level_one_industry(qmt, engine):
    assert engine.get_contract("600000.SSE").extra["sector"] == "银行"
    assert engine.get_contract("000001.SZSE").extra["sector"] == "银行"      # not its "1000SW1银行" slice
    assert engine.get_contract("430047.BSE").extra["sector"] == "医药生物"
    assert "sector" not in engine.get_contract("510300.SSE").extra         # ETFs are in no industry


def test_the_monitor_groups_qmt_symbols_by_industry_without_a_csv(qmt, monitor):
    industries = monitor.sector_members()
    assert sorted(industries["银行"]) == ["000001.SZSE", "600000.SSE"]
    assert "GN上海" not in industries and "上海" not in industries        # concept lists are not industries


@pytest.mark.parametrize("qmt_setting", [{"industry_prefix": "CSRC1"}])
def test_a_terminal_without_that_industry_family_says_a_csv_is_needed(engine, terminal, qmt_setting):
    from gateways.qmt.client import register_backend

    logs: list = []
    engine.event_engine.register(EVENT_LOG, lambda event: logs.append(event.data.msg))
    register_backend("fake", terminal.backend)
    engine.connect({"userdata_path": terminal.userdata_path, "account_id": QMT_ACCOUNT, "backend": "fake",
                    **qmt_setting}, "QMT")
    settle(engine, lambda: engine.gateways["QMT"].connected)
    assert "sector" not in engine.get_contract("600000.SSE").extra
    assert any("CSRC1" in line and "行业CSV" in line for line in logs)


@LEVEL2_ON
def test_level2_prints_arrive_with_the_side_that_took_liquidity(qmt, engine, terminal):
    prints = level2_prints(engine)
    terminal.level2_permission = True
    qmt.subscribe_level2(["600000.SSE", "000001.SZSE", "BTCUSDT.GLOBAL"])
    wait_until(lambda: qmt.level2.get("600000.SH", 0) > 0 and qmt.level2.get("000001.SZ", 0) > 0)
    assert set(qmt.level2) == {"600000.SH", "000001.SZ"}
    terminal.trade_print("600000.SH", 10.02, 150_000, side="B")
    terminal.trade_print("000001.SZ", 11.98, 3_000, side="S", cancel=True)   # a SZSE cancel: not a trade
    terminal.trade_print("000001.SZ", 11.97, 90_000, side="S")
    settle(engine, lambda: (len(prints)) >= 2)
    assert [(p.vt_symbol, p.price, p.volume, p.side) for p in prints] == [
        ("600000.SSE", 10.02, 150_000, "B"), ("000001.SZSE", 11.97, 90_000, "S")]


@LEVEL2_ON
def test_without_the_level2_permission_nothing_arrives(qmt, engine, terminal):
    prints = level2_prints(engine)
    qmt.subscribe_level2(["600000.SSE"])
    wait_until(lambda: qmt.level2.get("600000.SH", 0) > 0)
    terminal.trade_print("600000.SH", 10.0, 500_000)
    terminal.level2_permission = True
    terminal.trade_print("600000.SH", 10.1, 100)
    settle(engine, lambda: prints)
    assert [p.price for p in prints] == [10.1]     # pushes are serial: the first one was never sent


@LEVEL2_ON
def test_a_symbol_left_out_of_the_next_level2_list_is_unsubscribed(qmt, engine, terminal):
    prints = level2_prints(engine)
    terminal.level2_permission = True
    qmt.subscribe_level2(["600000.SSE", "000001.SZSE"])
    wait_until(lambda: qmt.level2.get("600000.SH", 0) > 0 and qmt.level2.get("000001.SZ", 0) > 0)
    qmt.subscribe_level2(["600000.SSE"])                   # a watchlist lost 000001
    wait_until(lambda: "000001.SZ" not in qmt.level2)
    terminal.trade_print("000001.SZ", 11.97, 90_000, side="S")
    terminal.trade_print("600000.SH", 10.02, 150_000, side="B")
    settle(engine, lambda: prints)
    assert [p.vt_symbol for p in prints] == ["600000.SSE"]


@LEVEL2_ON
def test_switching_the_big_order_rule_off_ends_the_level2_subscriptions(qmt, engine, terminal, monitor):
    monitor.save_watchlist("核心", [("600519.SSE", "")])
    wait_until(lambda: qmt.level2.get("600519.SH", 0) > 0)
    raw = monitor.config.to_dict()
    raw["enabled"]["big_order"] = False
    assert monitor.apply(raw) == []
    wait_until(lambda: qmt.level2 == {})


def test_level2_stays_off_unless_the_setting_asks_for_it(qmt, terminal):
    qmt.subscribe_level2(["600000.SSE"])
    assert qmt.level2 == {}


@LEVEL2_ON
def test_a_big_qmt_print_in_a_watchlist_raises_a_stored_big_order_alert(qmt, engine, terminal, monitor):
    terminal.level2_permission = True
    monitor.save_watchlist("核心", [("600519.SSE", "")])       # the monitor asks QMT for its members' prints
    wait_until(lambda: qmt.level2.get("600519.SH", 0) > 0)
    terminal.trade_print("600519.SH", 1500.0, 100, side="B")           # 150,000 yuan: below the 1,000,000 floor
    terminal.trade_print("600519.SH", 1501.0, 1_000, side="B")         # 1,501,000 yuan
    settle(engine, lambda: AlertRecord.select().where(AlertRecord.rule == "big_order").count())
    stored = [(a.vt_symbol, a.value) for a in AlertRecord.select().where(AlertRecord.rule == "big_order")]
    assert stored == [("600519.SSE", 1_501_000.0)]


def test_the_profile_settings_choose_level2_and_the_industry_family(engine, terminal):
    from gateways.qmt.client import register_backend
    from lianghua_app.bootstrap import connect_qmt_gateway

    register_backend("fake", terminal.backend)
    engine.settings.values.update({"qmt.backend": "fake", "qmt.userdata_path": terminal.userdata_path,
                                   "qmt.account_id": QMT_ACCOUNT, "qmt.level2": True, "qmt.industry_prefix": "SW1"})
    connect_qmt_gateway(engine)
    gateway = engine.gateways["QMT"]
    wait_until(lambda: gateway.connected)
    assert gateway.setting["level2"] == "on"
    assert engine.get_contract("600519.SSE").extra["sector"] == "食品饮料"

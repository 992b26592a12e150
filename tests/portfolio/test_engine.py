"""The portfolio manager in the running app: attribution from the journal that adds up to SIM's
account, manual trades as 手动, a plan that changes nothing until confirmed and then changes what
a budget-sizing strategy sends, clear words for bad settings, and the command line."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from vnpy.trader.constant import Direction

from apps.portfolio_manager import records
from apps.portfolio_manager.allocation import AllocationError
from apps.portfolio_manager.attribution import MANUAL
from lianghua_app.bootstrap import build_engine, connect_sim_gateway
from lianghua_app.cli import main
from lianghua_app.settings import Settings
from tests.helpers import PINGAN, drain, make_tick, order, settle, wait_until
from tests.portfolio.helpers import add_strategies, now_quote

MOUTAI = "600519.SSE"


@pytest.fixture
def portfolio(engine, sim):
    return engine.get_engine("PortfolioManager")


def cny_balance(engine) -> float:
    return engine.get_account("SIM.CNY").balance


def test_attribution_from_the_journal_adds_up_to_the_sim_accounts_change(engine, sim, portfolio):
    start = cny_balance(engine)
    now_quote(sim, PINGAN, 10.0)
    engine.send_order(order(PINGAN, Direction.LONG, 1000, 10.0, reference="CtaStrategy_trend"), "SIM")
    engine.send_order(order(PINGAN, Direction.LONG, 500, 10.0, reference="ManualTrading"), "SIM")
    settle(engine, lambda: len(engine.get_all_trades()) == 2)
    now_quote(sim, PINGAN, 10.5)
    settle(engine, lambda: cny_balance(engine) > start)
    portfolio.record_marks()
    report = portfolio.attribution()
    by_strategy = {line.key: line for line in report.lines("strategy", daily=False)}
    assert set(by_strategy) == {"trend", MANUAL}
    assert by_strategy["trend"].parts["trading"] == pytest.approx(1000 * 0.5)
    assert by_strategy["trend"].parts["commission"] < 0                    # SIM's commission, journaled
    assert sum(line.total for line in by_strategy.values()) == pytest.approx(cny_balance(engine) - start, abs=0.01)
    [account] = report.lines("account", daily=True)
    assert account.key == "SIM.CNY" and report.estimated == []
    [fill] = portfolio.trades("strategy", "trend", None)
    assert (fill.qty, fill.price) == (1000, 10.0)


def test_a_plan_changes_nothing_until_confirmed_then_a_budget_sizing_strategy_sends_more(engine, sim, portfolio):
    assert portfolio.apply({"capital": 200_000.0}) == []
    cta = add_strategies(engine, sizer=PINGAN)
    cta.init_strategy("sizer")
    strategy = cta.strategies["sizer"]
    wait_until(lambda: strategy.inited)
    cta.start_strategy("sizer")
    now_quote(sim, PINGAN, 10.0)
    wait_until(lambda: strategy.sent == [100] and strategy.pos == 100)

    proposal = portfolio.propose("equal")
    [line] = proposal.plan.lines
    assert line.weight_target == pytest.approx(0.5)                        # the default cap per strategy
    assert (line.quantity, line.capital) == (10_000, 100_000.0)
    assert line.order == (Direction.LONG, 9_900)                           # from the 100 it holds
    now_quote(sim, PINGAN, 10.0)
    wait_until(lambda: len(strategy.sent) == 2 and strategy.pos == 200)
    assert strategy.sent == [100, 100]                                     # proposed, not applied

    refused: list[Exception] = []
    worker = threading.Thread(target=lambda: _try(portfolio.confirm, proposal.plan_id, refused))
    worker.start()
    worker.join()
    assert isinstance(refused[0], PermissionError)                         # only a person, in the window
    portfolio.confirm(proposal.plan_id)
    assert portfolio.budget("sizer").capital == 100_000.0
    now_quote(sim, PINGAN, 10.0)
    wait_until(lambda: len(strategy.sent) == 3)
    assert strategy.sent[-1] == 10_000
    [stored] = records.plans()
    assert stored.status == "applied" and stored.who and stored.payload["lines"][0]["quantity"] == 10_000
    cta.stop_strategy("sizer")


def _try(func, argument, failures: list) -> None:
    try:
        func(argument)
    except Exception as error:
        failures.append(error)


def test_a_discarded_plan_is_kept_in_the_history_and_changes_no_budget(engine, sim, portfolio):
    add_strategies(engine, sizer=PINGAN)
    now_quote(sim, PINGAN, 10.0)
    proposal = portfolio.propose("equal")
    portfolio.discard(proposal.plan_id)
    assert portfolio.budget("sizer") is None
    with pytest.raises(ValueError, match="不是待确认的最新计划"):
        portfolio.confirm(proposal.plan_id)
    assert [p.status for p in portfolio.plan_history()] == ["discarded"]


@pytest.mark.parametrize(("raw", "words"), [
    ({"constraints": {"w_min": 0.6, "w_max": 0.5}}, "最小权重60.00%高于单策略上限50.00%"),
    ({"risk_budgets": {"trend": -1}}, "风险预算应为不小于0的数"),
    ({"usdt_cny": 0}, "USDT/CNY汇率应为大于0的数"),
    ({"method": "martingale"}, "未知分配方法"),
])
def test_bad_settings_are_refused_whole_with_what_is_wrong(portfolio, raw, words):
    before = portfolio.config.to_dict()
    problems = portfolio.apply(raw)
    assert any(words in p for p in problems), problems
    assert portfolio.config.to_dict() == before


def test_a_method_that_needs_history_says_so_on_a_fresh_machine(engine, sim, portfolio):
    add_strategies(engine, sizer=PINGAN)
    with pytest.raises(AllocationError, match="历史不足"):
        portfolio.propose("kelly")


def test_usdt_accounts_are_counted_in_yuan_at_the_configured_rate(engine, sim, portfolio):
    assert portfolio.apply({"usdt_cny": 7.0}) == []
    lines = {line.account: line for line in portfolio.accounts()}
    assert lines["SIM.USDT"].in_base == pytest.approx(lines["SIM.USDT"].balance * 7.0)
    assert lines["SIM.CNY"].in_base == lines["SIM.CNY"].balance
    assert portfolio.total_equity() == pytest.approx(sum(line.in_base for line in lines.values()))


def test_the_command_line_prints_attribution_budgets_and_the_latest_plan(data_dir, capsys, tmp_path):
    engine = build_engine(data_dir, Settings(), connect_sim=False)
    try:
        connect_sim_gateway(engine, autostart=False, whole_market=False)
        drain(engine)
        sim = engine.gateways["SIM"]
        now_quote(sim, MOUTAI, 1500.0)
        engine.send_order(order(MOUTAI, Direction.LONG, 100, 1500.0, reference="CtaStrategy_moutai"), "SIM")
        settle(engine, lambda: len(engine.get_all_trades()) == 1)
        now_quote(sim, MOUTAI, 1510.0)
        engine.get_engine("PortfolioManager").record_marks()
    finally:
        engine.close()
    profile = ["--data-dir", str(data_dir.root.parent), "--profile", data_dir.root.name]
    target = tmp_path / "out.csv"
    assert main(["portfolio", *profile, "--csv", str(target)]) == 0
    out = capsys.readouterr().out
    assert "盈亏归因（按策略，CNY" in out and "moutai" in out and "1,000.00" in out
    assert "策略,日期,交易盈亏" in target.read_text(encoding="utf-8-sig")
    assert main(["portfolio", *profile, "--since", "last week"]) == 2


def test_ashare_strategies_are_not_given_the_usdt_accounts_capital(engine, sim, portfolio):
    add_strategies(engine, pingan=PINGAN, moutai=MOUTAI)
    now_quote(sim, PINGAN, 10.0)
    now_quote(sim, MOUTAI, 1500.0)
    accounts = {line.account: line.in_base for line in portfolio.accounts()}
    proposal = portfolio.propose("equal")
    invested = sum(line.capital for line in proposal.plan.lines)
    assert proposal.plan.total == pytest.approx(sum(accounts.values()))    # both SIM accounts, in yuan
    assert invested <= accounts["SIM.CNY"]
    assert sum(proposal.target) == pytest.approx(accounts["SIM.CNY"] / proposal.plan.total)


def test_journaled_funding_is_split_by_the_positions_each_strategy_held(engine, sim, portfolio):
    from datetime import UTC

    from vnpy.event import Event

    from lianghua_app.events import EVENT_CASH_FLOW, CashFlow

    btc = "BTCUSDT.GLOBAL"
    now_quote(sim, btc, 60_000.0)
    engine.send_order(order(btc, Direction.LONG, 0.01, 60_000.0, reference="CtaStrategy_carry"), "SIM")
    engine.send_order(order(btc, Direction.LONG, 0.03, 60_000.0, reference="CtaStrategy_trend"), "SIM")
    settle(engine, lambda: len(engine.get_all_trades()) == 2)
    moment = datetime.now(UTC)
    engine.event_engine.put(Event(EVENT_CASH_FLOW, CashFlow("SIM.funding.test", "SIM", "funding", -4.0, "USDT",
                                                             moment, btc)))
    drain(engine)
    portfolio.record_marks()
    report = portfolio.attribution()
    funding = {line.key: line.parts["funding"] for line in report.lines("strategy", daily=False)}
    rate = portfolio.usdt_cny()
    assert funding == pytest.approx({"carry": -1.0 * rate, "trend": -3.0 * rate})   # 1 : 3, in yuan
    by_account = {line.key for line in report.lines("account", daily=False)}
    assert by_account == {"SIM.USDT"}


def test_a_streamed_usdt_cny_quote_sets_the_rate(engine, sim, portfolio):
    assert portfolio.apply({"rate_symbol": "USDCNH.GLOBAL"}) == []
    assert portfolio.usdt_cny() == 7.2                                     # not streamed yet: the setting
    sim.push_tick(make_tick("USDCNH.GLOBAL", 7.13))
    drain(engine)
    assert portfolio.usdt_cny() == 7.13

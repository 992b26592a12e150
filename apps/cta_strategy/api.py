"""What a strategy may ask of LiangHua beyond vnpy's `CtaTemplate` (documented in README):

    from apps.cta_strategy.api import budget_volume, hot_symbols, set_leverage

    def on_init(self):
        set_leverage(self, 5, isolated=True)

    def on_bar(self, bar):
        if self.vt_symbol not in hot_symbols(self):
            return
        self.buy(bar.close_price, budget_volume(self, bar.close_price, self.fixed_size))

`set_leverage`: live, the call goes to the gateway of the strategy's symbol (Binance sets it on the
exchange and logs the answer); in a backtest the run's own leverage setting applies and it says so.
`hot_symbols`: the hotlist's top symbols as they were at the strategy's moment: live, the latest
scan; in a backtest, rebuilt from the inputs stored up to the bar's time (never later ones).
`capital_budget`: the capital the portfolio manager's last confirmed plan gave the strategy, in
its symbol's currency; None when it has none (a backtest, no plan yet). `budget_volume`: the
largest lawful quantity (lots, steps, minimums) that budget buys at `price`, or `fixed` without a
budget, so a strategy that ignores the portfolio manager keeps its fixed size."""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime

from vnpy_ctastrategy import CtaTemplate

from lianghua_app.i18n import tr


def set_leverage(strategy: CtaTemplate, leverage: int, isolated: bool | None = None) -> bool:
    """Ask the venue for `leverage` (and isolated or cross margin when given) on the strategy's
    symbol; False when nothing was asked (a backtest, a venue without the setting)."""
    main_engine = getattr(strategy.cta_engine, "main_engine", None)
    if main_engine is None:
        strategy.write_log(tr("回测中杠杆与保证金模式以回测设置为准，set_leverage未生效"))
        return False
    contract = main_engine.get_contract(strategy.vt_symbol)
    gateway = main_engine.get_gateway(contract.gateway_name) if contract else None
    if gateway is None or not hasattr(gateway, "set_leverage"):
        strategy.write_log(tr("{symbol}所在的接口不支持设置杠杆，set_leverage未生效", symbol=strategy.vt_symbol))
        return False
    gateway.set_leverage(contract.symbol, int(leverage))
    if isolated is not None and hasattr(gateway, "set_margin_type"):
        gateway.set_margin_type(contract.symbol, isolated)
    return True


def capital_budget(strategy: CtaTemplate) -> float | None:
    main_engine = getattr(strategy.cta_engine, "main_engine", None)
    portfolio = main_engine.get_engine("PortfolioManager") if main_engine is not None else None
    budget = portfolio.budget(strategy.strategy_name) if portfolio is not None else None
    return budget.capital if budget is not None else None


def budget_volume(strategy: CtaTemplate, price: float, fixed: float) -> float:
    budget = capital_budget(strategy)
    if budget is None or not price > 0:
        return fixed
    from lianghua_app.markets import floor_quantity, size_rule

    main_engine = strategy.cta_engine.main_engine
    rule = size_rule(strategy.vt_symbol, main_engine.get_contract(strategy.vt_symbol))
    return floor_quantity(budget / (price * rule.size), rule, price)


def hot_symbols(strategy: CtaTemplate, market: str = "crypto") -> list[str]:
    """The hotlist's top symbols at the strategy's current moment, best first."""
    main_engine = getattr(strategy.cta_engine, "main_engine", None)
    if main_engine is not None:
        hotlist = main_engine.get_engine("Hotlist")
        ranking = hotlist.rankings.get(market) if hotlist else None
        return [c.vt_symbol for c in ranking.top] if ranking else []
    moment = getattr(strategy.cta_engine, "datetime", None)
    if moment is None:
        return []
    cache = strategy.cta_engine.__dict__.setdefault("_hotlist_cache", {})   # one per backtest run
    return _past_hotlist(cache, market, moment)


def _past_hotlist(cache: dict, market: str, moment: datetime) -> list[str]:
    """A backtest asks on every bar: each stored scan is ranked once per run."""
    from apps.hotlist import inputs
    from apps.hotlist.config import HotlistConfig, load
    from apps.hotlist.ranking import rank_at

    times = cache.get(market)
    if times is None:
        times = cache[market] = inputs.scan_times(market)
        path = inputs.profile_config_path()
        cache["config"] = load(path)[0] if path else HotlistConfig()
    index = bisect_right(times, moment) - 1
    if index < 0:
        return []
    key = (market, times[index])
    if key not in cache:
        cache[key] = [c.vt_symbol for c in rank_at(market, times[index], cache["config"]).top]
    return cache[key]

"""What a backtest reports, in a trader's words: each statistic's Chinese name, its unit and
its place in the list, and the rows of the result tables, shared by the dock and the report."""

from __future__ import annotations

from vnpy.trader.constant import Direction, Exchange

from lianghua_app import formatting
from lianghua_app.formatting import side_words
from lianghua_app.i18n import tr
from lianghua_app.markets import is_ashare

from .engine import BacktestConfig, BacktestResult

# (key, label, kind) in reading order: period, return, risk, ratios, trading, costs, crypto.
# Kinds: money, percent (already in %), ratio, count, days, date.
STATISTICS = (
    ("start_date", "开始日期", "date"), ("end_date", "结束日期", "date"), ("total_days", "交易日数", "count"),
    ("profit_days", "盈利天数", "count"), ("loss_days", "亏损天数", "count"),
    ("capital", "起始资金", "money"), ("end_balance", "结束资金", "money"), ("total_net_pnl", "总盈亏", "money"),
    ("total_return", "总收益率", "percent"), ("annual_return", "年化收益率", "percent"),
    ("buy_and_hold_return", "同期持有收益率", "percent"), ("daily_net_pnl", "日均盈亏", "money"),
    ("daily_return", "日均收益率", "percent"),
    ("max_drawdown", "最大回撤", "money"), ("max_ddpercent", "最大回撤率", "percent"),
    ("max_drawdown_duration", "最长回撤天数", "days"), ("return_std", "日收益标准差", "percent"),
    ("volatility", "年化波动率", "percent"), ("var_95", "95%日风险价值(VaR)", "percent"),
    ("cvar_95", "95%条件风险价值(CVaR)", "percent"),
    ("sharpe_ratio", "夏普比率", "ratio"), ("ewm_sharpe", "指数加权夏普比率", "ratio"),
    ("sortino_ratio", "索提诺比率", "ratio"), ("calmar_ratio", "卡玛比率", "ratio"),
    ("return_drawdown_ratio", "收益回撤比", "ratio"), ("rgr_ratio", "稳健增长比(RGR)", "ratio"),
    ("trade_count", "成交笔数", "count"), ("daily_trade_count", "日均成交笔数", "ratio"),
    ("round_trip_count", "往返交易数", "count"), ("win_rate", "胜率", "percent"),
    ("profit_factor", "盈亏比", "ratio"), ("average_win", "平均盈利", "money"), ("average_loss", "平均亏损", "money"),
    ("average_holding_days", "平均持有天数", "ratio"), ("exposure", "持仓时间占比", "percent"),
    ("turnover_ratio", "换手倍数", "ratio"),
    ("total_commission", "总手续费", "money"), ("daily_commission", "日均手续费", "money"),
    ("total_slippage", "总滑点成本", "money"), ("daily_slippage", "日均滑点成本", "money"),
    ("total_turnover", "总成交额", "money"), ("daily_turnover", "日均成交额", "money"),
    ("funding_paid", "资金费支出", "money"), ("liquidations", "强平次数", "count"),
)
HIDDEN = {"total_trade_count"}          # the same figure as trade_count


def currency_unit(vt_symbol: str) -> str:
    try:
        exchange = Exchange(vt_symbol.rpartition(".")[2])
    except ValueError:
        return ""
    return tr("元") if is_ashare(exchange) else "USDT"


def show(value: object, kind: str, unit: str) -> str:
    if kind == "money":
        return f"{formatting.money(value)} {unit}".strip()
    if kind == "percent":
        return formatting.percent(value, signed=False)
    if kind in ("count", "days"):
        text = formatting.quantity(value)
        return f"{text} {tr('天')}" if kind == "days" else text
    if kind == "date":
        return str(value)[:10]
    if isinstance(value, float) and value == float("inf"):
        return "∞"
    return formatting.number(value)


SUMMARY = ("start_date", "end_date", "capital", "end_balance", "total_net_pnl", "total_return", "annual_return",
           "buy_and_hold_return", "max_ddpercent", "sharpe_ratio", "sortino_ratio", "calmar_ratio", "trade_count",
           "win_rate", "profit_factor", "total_commission", "funding_paid", "liquidations")


def statistic_rows(statistics: dict, vt_symbol: str, capital: float | None = None,
                   keys: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """(name, value with unit), in reading order; statistics not in the table follow by key.
    `keys` keeps only those (the command line's summary)."""
    unit = currency_unit(vt_symbol)
    values = dict(statistics)
    if capital is not None:
        values.setdefault("capital", capital)
    if keys is not None:
        values = {key: value for key, value in values.items() if key in keys}
    rows = [(tr(label), show(values[key], kind, unit)) for key, label, kind in STATISTICS if key in values]
    known = {key for key, _, _ in STATISTICS} | HIDDEN
    rows += [(key, show(value, "ratio", unit)) for key, value in values.items() if key not in known]
    return rows


def no_trade_reason(result: BacktestResult) -> str | None:
    """Why a run made no trade, pointing at the rule that refused its orders; None if it traded."""
    if result.trades:
        return None
    if result.notes:
        # A refused buy is the cause; the sells refused after it (nothing held) only follow from it.
        buys = {order.vt_orderid for order in result.orders if order.direction is Direction.LONG}
        cause = next((note for note in result.notes if note.vt_orderid in buys), result.notes[0])
        return tr("没有成交：{count}笔委托被市场规则拒绝或削减，例如“{reason}”（全部见“规则提示”）",
                  count=len(result.notes), reason=cause.reason)
    if result.orders:
        return tr("没有成交：{count}笔委托的价格一直未被K线触及", count=len(result.orders))
    return tr("没有成交：策略没有发出委托（检查参数，以及K线数量是否够指标预热）")


def statistic_label(key: str) -> str:
    return next((tr(label) for k, label, _ in STATISTICS if k == key), key)


def trade_rows(config: BacktestConfig, result: BacktestResult) -> list[tuple]:
    unit = currency_unit(config.vt_symbol)
    return [(formatting.bar_time(t.datetime, config.interval), t.vt_orderid,
             side_words(t.exchange, t.direction, t.offset), formatting.price(t.price), formatting.quantity(t.volume),
             f"{formatting.money(result.fees.get(t.vt_tradeid, 0.0))} {unit}".strip()) for t in result.trades]


def order_rows(config: BacktestConfig, result: BacktestResult) -> list[tuple]:
    return [(formatting.bar_time(o.datetime, config.interval) if o.datetime else "", o.vt_orderid,
             side_words(o.exchange, o.direction, o.offset) if o.direction else "", formatting.price(o.price),
             formatting.quantity(o.volume), formatting.quantity(o.traded), o.status.value) for o in result.orders]


def trip_rows(config: BacktestConfig, result: BacktestResult) -> list[tuple]:
    unit = currency_unit(config.vt_symbol)
    words = {"long": tr("做多"), "short": tr("做空")}
    return [(words.get(t.direction, t.direction), formatting.bar_time(t.entry_time, config.interval),
             formatting.bar_time(t.exit_time, config.interval), formatting.price(t.entry_price),
             formatting.price(t.exit_price), formatting.quantity(t.volume), f"{formatting.money(t.pnl)} {unit}".strip(),
             formatting.number(t.holding_days, 1)) for t in result.trips]


def note_rows(config: BacktestConfig, result: BacktestResult) -> list[tuple]:
    return [(formatting.bar_time(n.datetime, config.interval), n.vt_orderid, n.reason) for n in result.notes]


def setting_words(setting: dict) -> str:
    return "，".join(f"{name}={value}" for name, value in setting.items()) or tr("默认参数")

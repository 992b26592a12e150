"""Position and capital rules: they read the account totals the `Book` keeps, so a check
costs the same with 5 positions or 500. Limits in % are of the account's equity (total asset)."""

from __future__ import annotations

from vnpy.trader.constant import Direction

from lianghua_app.formatting import quantity as number
from lianghua_app.i18n import tr

from .book import UNCLASSIFIED
from .context import Check


def _no_equity(c: Check) -> str:
    return tr("尚未收到 {gateway} 的账户资金，无法按权益比例检查；请等待账户刷新后再下单", gateway=c.gateway_name)


def max_position(c: Check, p: dict) -> str | None:
    change = c.req.volume if c.req.direction == Direction.LONG else -c.req.volume
    after = abs(c.net_position + change)
    if after > p["volume"]:
        return tr("{symbol} 持仓将达 {value}，上限 {limit}", symbol=c.req.vt_symbol, value=number(after),
                  limit=number(p["volume"]))
    notional = after * c.price * c.size
    if notional > p["notional"]:
        return tr("{symbol} 持仓市值将达 {value}，上限 {limit}", symbol=c.req.vt_symbol, value=number(round(notional)),
                  limit=number(p["notional"]))
    if p["equity_percent"]:
        equity = c.equity
        if equity is None:
            return _no_equity(c)
        if notional > equity * p["equity_percent"] / 100:
            return tr("{symbol} 持仓市值将达 {value}，占权益 {share:.1f}%，上限 {limit}%", symbol=c.req.vt_symbol,
                      value=number(round(notional)), share=notional / equity * 100, limit=number(p["equity_percent"]))
    return None


def sector_concentration(c: Check, p: dict) -> str | None:
    sector = c.book.sector_of(c.req.vt_symbol)
    if sector == UNCLASSIFIED or not p["percent"]:
        return None
    equity = c.equity
    if equity is None:
        return _no_equity(c)
    after = c.book.by_sector.get((c.gateway_name, c.currency, sector), 0.0) + c.notional
    if after > equity * p["percent"] / 100:
        return tr("行业「{sector}」持仓将达 {value}，占权益 {share:.1f}%，上限 {limit}%", sector=sector,
                  value=number(round(after)), share=after / equity * 100, limit=number(p["percent"]))
    return None


def gross_exposure(c: Check, p: dict) -> str | None:
    after = c.book.gross.get((c.gateway_name, c.currency), 0.0) + c.notional
    if p["notional"] and after > p["notional"]:
        return tr("总持仓市值将达 {value}，上限 {limit}", value=number(round(after)), limit=number(p["notional"]))
    if p["leverage"]:
        equity = c.equity
        if equity is None:
            return _no_equity(c)
        if after / equity > p["leverage"]:
            return tr("杠杆将达 {value:.2f} 倍（持仓 {gross} / 权益 {equity}），上限 {limit} 倍", value=after / equity,
                      gross=number(round(after)), equity=number(round(equity)), limit=number(p["leverage"]))
    return None


def cash_reserve(c: Check, p: dict) -> str | None:
    """Buying must leave `percent` of equity in free cash (perpetuals are counted at full
    notional: a conservative stand-in for their margin)."""
    if not p["percent"] or (c.req.direction is not Direction.LONG and c.market == "ashare"):
        return None
    if c.equity is None:
        return _no_equity(c)
    reserve = c.equity * p["percent"] / 100
    left = c.account.available - c.notional
    if left < reserve:
        return tr("下单后可用资金 {left} 低于保留额 {reserve}（权益的 {limit}%）", left=number(round(left)),
                  reserve=number(round(reserve)), limit=number(p["percent"]))
    return None


def check_exit_params(params: dict) -> list[str]:
    errors = []
    if params.get("atr_interval", "1m") not in ("1m", "d"):
        errors.append(tr("ATR 周期只能是 1m 或 d，收到 {value!r}", value=params.get("atr_interval")))
    if params.get("atr_window", 14) < 2:
        errors.append(tr("ATR 窗口须不小于 2"))
    return errors

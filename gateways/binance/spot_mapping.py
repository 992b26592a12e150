"""Pure tables and conversions for Binance spot payloads (exchangeInfo, executionReport,
outboundAccountPosition, REST order, trade and account rows). No threads, no sockets.

Symbols: spot BTCUSDT is `BTCUSDT_SPOT.GLOBAL`, apart from the perpetual `BTCUSDT.GLOBAL`: the
two are different instruments with the same Binance id. A spot holding is shown as a NET
position of its `_SPOT` symbol (every listed base asset quoted in USDT), and every asset's
balance as an account `SPOT.<asset>`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from vnpy.trader.constant import Direction, Offset, OrderType, Product, Status
from vnpy.trader.object import AccountData, ContractData, OrderRequest, PositionData, TradeData

from lianghua_app.i18n import tr
from lianghua_app.markets import crypto

from . import mapping as m
from .mapping import EXCHANGE, OrderPlan, OrderState, number, utc

SUFFIX = "_SPOT"
SPOT_FEES = (0.001, 0.001)           # VIP 0 maker and taker, until the account's own rates are read


def spot_symbol(binance_id: str) -> str:
    return binance_id + SUFFIX


def binance_id(symbol: str) -> str:
    return symbol.removesuffix(SUFFIX)


def is_spot(symbol: str) -> bool:
    return symbol.endswith(SUFFIX)


def venue_order_id(order_id: Any) -> str:
    """Spot's order ids, like its trade ids, are its own numbering: they carry an S."""
    return f"S{order_id}"


def trade_id(venue_trade_id: Any) -> str:
    """Spot and futures number their trades apart: a spot trade id carries an S."""
    return f"S{venue_trade_id}"


# --- contracts -----------------------------------------------------------------------------------
def spec_from_spot(raw: dict, fees: tuple[float, float] = SPOT_FEES) -> crypto.PerpSpec | None:
    """A TRADING spot symbol's filters (PRICE_FILTER, LOT_SIZE, NOTIONAL or the older
    MIN_NOTIONAL); None for anything else. No leverage and no funding on spot."""
    if raw.get("status") != "TRADING" or raw.get("isSpotTradingAllowed") is False:
        return None
    filters = {f.get("filterType"): f for f in raw.get("filters", [])}
    price, lot = filters.get("PRICE_FILTER", {}), filters.get("LOT_SIZE", {})
    notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
    return crypto.PerpSpec(spot_symbol(raw["symbol"]), f"{raw.get('baseAsset')}/{raw.get('quoteAsset')} {tr('现货')}",
                           tick=number(price.get("tickSize")), step=number(lot.get("stepSize")),
                           min_qty=number(lot.get("minQty")), min_notional=number(notional.get("minNotional")),
                           maker_fee=fees[0], taker_fee=fees[1], funding_interval_hours=0, max_leverage=1)


def contract_from_spot(spec: crypto.PerpSpec, raw: dict, gateway_name: str) -> ContractData:
    contract = ContractData(symbol=spec.symbol, exchange=EXCHANGE, name=spec.name, product=Product.SPOT, size=1,
                            pricetick=spec.tick, min_volume=spec.step, net_position=True, history_data=True,
                            gateway_name=gateway_name)
    contract.extra = {"spec": spec, "spot": True, "base": raw.get("baseAsset", ""),
                      "quote": raw.get("quoteAsset", "USDT"), "tradfi": False, "listed_ms": 0}
    return contract


def account_fees(account: dict) -> tuple[float, float] | None:
    """GET /api/v3/account's commissionRates (maker, taker), or None when it has none."""
    rates = account.get("commissionRates") or {}
    if "maker" not in rates:
        return None
    return number(rates.get("maker")), number(rates.get("taker"))


# --- orders out -----------------------------------------------------------------------------------
def plan_spot_order(req: OrderRequest, client_id: str) -> OrderPlan | str:
    """Spot buys what it pays for and sells what it holds: no short selling, no reduce-only,
    no leverage. A post-only request goes as LIMIT_MAKER (refused by Binance rather than take)."""
    if req.direction is Direction.SHORT and req.offset is Offset.OPEN:
        return tr("现货不能卖空开仓，请用卖出平仓卖出持有的币")
    if req.direction is Direction.LONG and req.offset in (Offset.CLOSE, Offset.CLOSETODAY, Offset.CLOSEYESTERDAY):
        return tr("现货没有买入平仓，请用买入开仓")
    if crypto.is_post_only(req) and req.type is not OrderType.LIMIT:
        return tr("只做Maker仅适用于限价委托")
    side = "buy" if req.direction is Direction.LONG else "sell"
    params: dict[str, Any] = {"newClientOrderId": client_id, "newOrderRespType": "FULL"}
    if req.type is OrderType.MARKET:
        return OrderPlan("market", side, req.volume, None, params)
    if req.type is OrderType.STOP:
        return tr("现货暂不支持止损单，请用限价或市价委托")
    tif = m.TIME_IN_FORCE.get(req.type)
    if tif is None:
        return tr("币安不支持{type}委托", type=req.type.value)
    if crypto.is_post_only(req):
        params["postOnly"] = True
    else:
        params["timeInForce"] = tif
    return OrderPlan("limit", side, req.volume, req.price, params)


# --- orders in ----------------------------------------------------------------------------------
REJECT_WORDS = {"INSUFFICIENT_BALANCE": "余额不足", "NONE": ""}


def order_from_report(o: dict) -> OrderState:
    """An executionReport. On a cancel, `c` is the cancel request's id and `C` the order's own."""
    status = o.get("X", "")
    reason = m.status_reason(status, o.get("f", ""), o.get("o", ""))
    if status == "REJECTED":
        reason = tr(REJECT_WORDS.get(o.get("r", ""), "")) or tr("币安返回错误：{message}", message=o.get("r", ""))
    return OrderState(o.get("C") or o.get("c", ""), spot_symbol(o.get("s", "")),
                      Direction.LONG if o.get("S") == "BUY" else Direction.SHORT, Offset.NONE,
                      OrderType.MARKET if o.get("o") == "MARKET" else OrderType.LIMIT, number(o.get("p")),
                      number(o.get("q")), number(o.get("z")), m.STATUS.get(status, Status.SUBMITTING), utc(o.get("T")),
                      venue_order_id(o.get("i", "")), reason)


def order_from_spot_rest(row: dict) -> OrderState:
    """GET/POST/DELETE /api/v3/order and openOrders rows (a POST answer has transactTime only)."""
    when = row.get("updateTime") or row.get("transactTime") or row.get("workingTime") or row.get("time")
    state = m.order_from_rest({**row, "updateTime": when, "clientOrderId": row.get("origClientOrderId")
                             or row.get("clientOrderId", "")})
    return replace(state, symbol=spot_symbol(state.symbol), offset=Offset.NONE,
                   venue_id=venue_order_id(row.get("orderId", "")))


def trade_from_report(o: dict, gateway_name: str, assets: tuple[str, str]) -> TradeData | None:
    """An executionReport of a fill. Binance charges commission in the asset received (or in BNB):
    `commission` is its value in the quote asset (`assets` is (base, quote)); what was actually
    paid is kept beside it. A BNB commission has no quote value here and counts as 0."""
    if o.get("x") != "TRADE" or not number(o.get("l")):
        return None
    price, qty = number(o.get("L")), number(o.get("l"))
    paid, asset = number(o.get("n")), o.get("N") or ""
    base, quote = assets
    commission = paid if asset == quote else paid * price if asset == base else 0.0
    trade = TradeData(symbol=spot_symbol(o.get("s", "")), exchange=EXCHANGE, orderid=o.get("c", ""),
                      tradeid=trade_id(o.get("t")), offset=Offset.NONE,
                      direction=Direction.LONG if o.get("S") == "BUY" else Direction.SHORT,
                      price=price, volume=qty, datetime=utc(o.get("T")), gateway_name=gateway_name)
    trade.extra = {"commission": commission, "commission_asset": quote, "commission_paid": paid,
                   "commission_paid_asset": asset, "realized_pnl": 0.0, "maker": bool(o.get("m"))}
    return trade


def trade_from_spot_rest(row: dict, orderid: str, gateway_name: str, assets: tuple[str, str]) -> TradeData | None:
    """GET /api/v3/myTrades rows, in the executionReport's shape."""
    return trade_from_report({"x": "TRADE", "s": row.get("symbol"), "c": orderid, "t": row.get("id"),
                              "S": "BUY" if row.get("isBuyer") else "SELL", "L": row.get("price"),
                              "l": row.get("qty"), "T": row.get("time"), "n": row.get("commission"),
                              "N": row.get("commissionAsset"), "m": row.get("isMaker")}, gateway_name, assets)


# --- account --------------------------------------------------------------------------------------
def balance_rows(payload: dict) -> list[tuple[str, float, float]]:
    """(asset, free, locked) from GET /api/v3/account (`balances`) or outboundAccountPosition (`B`)."""
    if "B" in payload:
        return [(b.get("a", ""), number(b.get("f")), number(b.get("l"))) for b in payload["B"]]
    return [(b.get("asset", ""), number(b.get("free")), number(b.get("locked"))) for b in payload.get("balances", [])]


def spot_accounts(rows: list[tuple[str, float, float]], gateway_name: str) -> list[AccountData]:
    accounts = []
    for asset, free, locked in rows:
        account = AccountData(accountid=f"SPOT.{asset}", balance=free + locked, frozen=locked,
                              gateway_name=gateway_name)
        account.extra = {"asset": asset, "spot": True}
        accounts.append(account)
    return accounts


def spot_holdings(rows: list[tuple[str, float, float]], listed: set[str], gateway_name: str) -> list[PositionData]:
    """Base assets held, as NET positions of their USDT spot symbol when it is listed."""
    positions = []
    for asset, free, locked in rows:
        symbol = spot_symbol(f"{asset}USDT")
        if symbol in listed:
            positions.append(PositionData(symbol=symbol, exchange=EXCHANGE, direction=Direction.NET,
                                          volume=free + locked, frozen=locked, gateway_name=gateway_name))
    return positions

"""Pure tables and conversions between Binance USD-M futures payloads and vnpy objects. No
threads, no sockets, no ccxt: the raw fields are Binance's documented ones (exchangeInfo,
ORDER_TRADE_UPDATE, ALGO_UPDATE, REST order and trade rows), so each rule is tested directly.

Symbols: a USDT-M perpetual is `BTCUSDT.GLOBAL`, the same name SIM gives its perpetuals, so a
strategy runs unchanged on either."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Product, Status
from vnpy.trader.object import AccountData, ContractData, OrderData, OrderRequest, PositionData, TradeData

from lianghua_app.events import CashFlow
from lianghua_app.i18n import tr
from lianghua_app.markets import crypto

EXCHANGE = Exchange.GLOBAL
CLIENT_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")    # Binance's newClientOrderId pattern


def utc(ms: Any) -> datetime:
    return datetime.fromtimestamp(int(ms or 0) / 1000, timezone.utc)


def number(value: Any) -> float:
    """Binance's numbers come as strings; empty or missing is 0."""
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


# --- contracts -----------------------------------------------------------------------------------
def is_tradfi(raw: dict) -> bool:
    """Stock and commodity perpetuals (contractType TRADIFI_PERPETUAL, or a non-coin underlying)."""
    return raw.get("contractType") == "TRADIFI_PERPETUAL" or raw.get("underlyingType") in ("EQUITY", "COMMODITY") \
        or "TradFi" in (raw.get("underlyingSubType") or [])


def spec_from_symbol(raw: dict) -> crypto.PerpSpec | None:
    """A TRADING perpetual's filters from its exchangeInfo row; None for anything else."""
    if raw.get("status") != "TRADING" or raw.get("contractType") not in ("PERPETUAL", "TRADIFI_PERPETUAL"):
        return None
    filters = {f.get("filterType"): f for f in raw.get("filters", [])}
    price, lot = filters.get("PRICE_FILTER", {}), filters.get("LOT_SIZE", {})
    notional = filters.get("MIN_NOTIONAL", {})
    kind = tr("TradFi永续") if is_tradfi(raw) else tr("永续")
    return crypto.PerpSpec(raw["symbol"], f"{raw.get('baseAsset', raw['symbol'])}/{raw.get('quoteAsset', 'USDT')} "
                                          f"{kind}",
                           tick=number(price.get("tickSize")), step=number(lot.get("stepSize")),
                           min_qty=number(lot.get("minQty")), min_notional=number(notional.get("notional")))


def with_account_terms(spec: crypto.PerpSpec, brackets: list[dict], fees: dict | None) -> crypto.PerpSpec:
    """The key's own terms: the highest leverage of the first bracket (GET /fapi/v1/leverageBracket)
    and the maker/taker rates (GET /fapi/v1/commissionRate)."""
    changes: dict[str, Any] = {}
    if brackets:
        changes["max_leverage"] = int(brackets[0]["initialLeverage"])
    if fees:
        changes.update(maker_fee=number(fees.get("makerCommissionRate")),
                       taker_fee=number(fees.get("takerCommissionRate")))
    return replace(spec, **changes)


def contract_from_spec(spec: crypto.PerpSpec, raw: dict, gateway_name: str) -> ContractData:
    contract = ContractData(symbol=spec.symbol, exchange=EXCHANGE, name=spec.name, product=Product.FUTURES, size=1,
                            pricetick=spec.tick, min_volume=spec.step, net_position=True, history_data=True,
                            gateway_name=gateway_name)
    contract.extra = {"spec": spec, "tradfi": is_tradfi(raw), "quote": raw.get("quoteAsset", "USDT"),
                      "listed_ms": int(raw.get("onboardDate") or 0)}
    return contract


# --- orders out -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderPlan:
    """What to send for a vnpy order: ccxt's unified type and side, and Binance's own params."""
    type: str
    side: str
    amount: float
    price: float | None
    params: dict


TIME_IN_FORCE = {OrderType.LIMIT: "GTC", OrderType.FAK: "IOC", OrderType.FOK: "FOK"}


ALGO_TYPES = ("STOP_MARKET", "TAKE_PROFIT_MARKET")


def plan_order(req: OrderRequest, client_id: str, hedge_mode: bool, reference_price: float = 0.0) -> OrderPlan | str:
    """The order to send, or the reason it cannot be sent. One-way mode: Offset.CLOSE is
    reduce-only. Hedge mode: the offset and direction pick the LONG or SHORT position side.
    STOP is a conditional market order on the Algo Order API, triggered at `price`: a stop-market
    when the trigger is on the losing side of `reference_price` (the mark), a take-profit-market
    when it is on the winning side (a sell above the mark, a buy below it). A request whose
    `post_only` is set rests as maker or is refused (GTX)."""
    if crypto.is_post_only(req) and req.type is not OrderType.LIMIT:
        return tr("只做Maker仅适用于限价委托")
    side = "buy" if req.direction is Direction.LONG else "sell"
    params: dict[str, Any] = {"newClientOrderId": client_id}
    if hedge_mode:
        if req.offset is Offset.NONE:
            return tr("双向持仓模式下须指明开仓或平仓")
        opening_long = (req.offset is Offset.OPEN) == (req.direction is Direction.LONG)
        params["positionSide"] = "LONG" if opening_long else "SHORT"
    elif req.offset in (Offset.CLOSE, Offset.CLOSETODAY, Offset.CLOSEYESTERDAY):
        params["reduceOnly"] = True
    if req.type is OrderType.MARKET:
        return OrderPlan("market", side, req.volume, None, params)
    if req.type is OrderType.STOP:
        if req.price <= 0:
            return tr("止损单须填写触发价")
        params.pop("newClientOrderId")
        params.update({"clientAlgoId": client_id, "triggerPrice": req.price, "workingType": "CONTRACT_PRICE"})
        profit_side = reference_price > 0 and ((side == "sell" and req.price > reference_price) or
                                               (side == "buy" and req.price < reference_price))
        return OrderPlan("TAKE_PROFIT_MARKET" if profit_side else "STOP_MARKET", side, req.volume, None, params)
    tif = TIME_IN_FORCE.get(req.type)
    if tif is None:
        return tr("币安不支持{type}委托", type=req.type.value)
    params["timeInForce"] = "GTX" if crypto.is_post_only(req) else tif
    return OrderPlan("limit", side, req.volume, req.price, params)


# --- orders in ----------------------------------------------------------------------------------
STATUS = {
    "NEW": Status.NOTTRADED,
    "PARTIALLY_FILLED": Status.PARTTRADED,
    "FILLED": Status.ALLTRADED,
    "CANCELED": Status.CANCELLED,
    "EXPIRED": Status.CANCELLED,
    "EXPIRED_IN_MATCH": Status.CANCELLED,
    "REJECTED": Status.REJECTED,
    "NEW_INSURANCE": Status.ALLTRADED,     # liquidation by the insurance fund
    "NEW_ADL": Status.ALLTRADED,           # auto-deleveraging
}
ALGO_STATUS = {
    "NEW": Status.NOTTRADED, "TRIGGERING": Status.NOTTRADED, "TRIGGERED": Status.NOTTRADED,
    "CANCELED": Status.CANCELLED, "EXPIRED": Status.CANCELLED, "REJECTED": Status.REJECTED,
}
ORDER_TYPES = {"LIMIT": OrderType.LIMIT, "MARKET": OrderType.MARKET, "STOP_MARKET": OrderType.STOP,
               "TAKE_PROFIT_MARKET": OrderType.STOP, "STOP": OrderType.STOP, "TAKE_PROFIT": OrderType.STOP}


def status_reason(status: str, time_in_force: str, order_type: str) -> str:
    if status == "EXPIRED" and time_in_force == "GTX":
        return tr("只做Maker委托会立即成交，交易所已撤销")
    if status == "EXPIRED" and (time_in_force in ("IOC", "FOK") or order_type == "MARKET"):
        return tr("未成交部分已由交易所撤销（{tif}）", tif=time_in_force if order_type != "MARKET" else "市价")
    if status == "EXPIRED_IN_MATCH":
        return tr("会与自己的委托成交，交易所已撤销（自成交保护）")
    if status in ("NEW_INSURANCE", "NEW_ADL"):
        return tr("强平或自动减仓")
    return ""


@dataclass(frozen=True)
class OrderState:
    """One order as Binance reports it, from any of its payloads."""
    orderid: str
    symbol: str
    direction: Direction
    offset: Offset
    type: OrderType
    price: float
    volume: float
    traded: float
    status: Status
    time: datetime
    venue_id: str
    reason: str = ""

    def to_order(self, gateway_name: str, reference: str = "") -> OrderData:
        order = OrderData(symbol=self.symbol, exchange=EXCHANGE, orderid=self.orderid, type=self.type,
                          direction=self.direction, offset=self.offset, price=self.price, volume=self.volume,
                          traded=self.traded, status=self.status, datetime=self.time, reference=reference,
                          gateway_name=gateway_name)
        order.extra = {"reason": self.reason} if self.reason else {}
        return order


def _offset(reduce_only: bool, position_side: str, side: str) -> Offset:
    if position_side in ("LONG", "SHORT"):
        return Offset.OPEN if (position_side == "LONG") == (side == "BUY") else Offset.CLOSE
    return Offset.CLOSE if reduce_only else Offset.NONE


def order_from_update(o: dict) -> OrderState:
    """ORDER_TRADE_UPDATE's `o` object."""
    status = o.get("X", "")
    return OrderState(o.get("c", ""), o.get("s", ""), Direction.LONG if o.get("S") == "BUY" else Direction.SHORT,
                      _offset(bool(o.get("R")), o.get("ps", "BOTH"), o.get("S", "")),
                      ORDER_TYPES.get(o.get("ot") or o.get("o", ""), OrderType.LIMIT),
                      number(o.get("p")) or number(o.get("sp")),
                      number(o.get("q")), number(o.get("z")), STATUS.get(status, Status.SUBMITTING), utc(o.get("T")),
                      str(o.get("i", "")), status_reason(status, o.get("f", ""), o.get("o", "")))


def order_from_rest(row: dict) -> OrderState:
    """GET/POST /fapi/v1/order and openOrders rows."""
    status = row.get("status", "")
    return OrderState(row.get("clientOrderId", ""), row.get("symbol", ""),
                      Direction.LONG if row.get("side") == "BUY" else Direction.SHORT,
                      _offset(bool(row.get("reduceOnly")), row.get("positionSide", "BOTH"), row.get("side", "")),
                      ORDER_TYPES.get(row.get("origType") or row.get("type", ""), OrderType.LIMIT),
                      number(row.get("price")) or number(row.get("stopPrice")), number(row.get("origQty")),
                      number(row.get("executedQty")), STATUS.get(status, Status.SUBMITTING),
                      utc(row.get("updateTime") or row.get("time")), str(row.get("orderId", "")),
                      status_reason(status, row.get("timeInForce", ""), row.get("type", "")))


def order_from_algo(o: dict) -> OrderState:
    """An algo (conditional) order: ALGO_UPDATE's `o`, or a REST algo row (renamed fields)."""
    if "algoId" in o:
        o = {"caid": o.get("clientAlgoId"), "aid": o.get("algoId"), "o": o.get("orderType"), "s": o.get("symbol"),
             "S": o.get("side"), "ps": o.get("positionSide"), "q": o.get("quantity"), "X": o.get("algoStatus"),
             "aq": o.get("executedQty"), "tp": o.get("triggerPrice"), "R": o.get("reduceOnly"),
             "T": o.get("updateTime") or o.get("createTime"), "rm": ""}
    status = o.get("X", "")
    volume, traded = number(o.get("q")), number(o.get("aq"))
    vn_status = ALGO_STATUS.get(status, Status.SUBMITTING)
    if status == "FINISHED":      # the triggered order is done: filled, or cancelled with what it filled
        vn_status = Status.ALLTRADED if traded >= volume > 0 else Status.CANCELLED
    reason = str(o.get("rm") or "")
    return OrderState(o.get("caid", ""), o.get("s", ""), Direction.LONG if o.get("S") == "BUY" else Direction.SHORT,
                      _offset(bool(o.get("R")), o.get("ps", "BOTH"), o.get("S", "")), OrderType.STOP,
                      number(o.get("tp")), volume, traded, vn_status, utc(o.get("T")), str(o.get("aid", "")),
                      tr("条件单被拒：{reason}", reason=reason) if reason and vn_status is Status.REJECTED else reason)


def trade_from_update(o: dict, orderid: str, gateway_name: str) -> TradeData | None:
    """ORDER_TRADE_UPDATE with execution type TRADE -> one vnpy trade (id: Binance's trade id)."""
    if o.get("x") != "TRADE" or not number(o.get("l")):
        return None
    trade = TradeData(symbol=o.get("s", ""), exchange=EXCHANGE, orderid=orderid, tradeid=str(o.get("t")),
                      direction=Direction.LONG if o.get("S") == "BUY" else Direction.SHORT,
                      offset=_offset(bool(o.get("R")), o.get("ps", "BOTH"), o.get("S", "")), price=number(o.get("L")),
                      volume=number(o.get("l")), datetime=utc(o.get("T")), gateway_name=gateway_name)
    trade.extra = {"commission": number(o.get("n")), "commission_asset": o.get("N") or "USDT",
                   "realized_pnl": number(o.get("rp")), "maker": bool(o.get("m"))}
    return trade


def trade_from_rest(row: dict, orderid: str, gateway_name: str) -> TradeData:
    """GET /fapi/v1/userTrades rows, in the same shape as the stream's trades."""
    return trade_from_update({"x": "TRADE", "s": row.get("symbol"), "t": row.get("id"), "S": row.get("side"),
                              "R": False, "ps": row.get("positionSide", "BOTH"), "L": row.get("price"),
                              "l": row.get("qty"), "T": row.get("time"), "n": row.get("commission"),
                              "N": row.get("commissionAsset"), "rp": row.get("realizedPnl"), "m": row.get("maker")},
                             orderid, gateway_name)


# --- account --------------------------------------------------------------------------------------
def positions_from_rest(rows: list[dict], gateway_name: str) -> list[PositionData]:
    positions = []
    for row in rows:
        amount, side = number(row.get("positionAmt")), row.get("positionSide", "BOTH")
        direction = {"LONG": Direction.LONG, "SHORT": Direction.SHORT}.get(side, Direction.NET)
        position = PositionData(symbol=row.get("symbol", ""), exchange=EXCHANGE, direction=direction,
                                volume=abs(amount) if direction is not Direction.NET else amount,
                                price=number(row.get("entryPrice")), pnl=number(row.get("unRealizedProfit")),
                                gateway_name=gateway_name)
        position.extra = {"mark_price": number(row.get("markPrice")),
                          "liquidation_price": number(row.get("liquidationPrice")),
                          "leverage": int(number(row.get("leverage"))), "margin_type": row.get("marginType", "")}
        positions.append(position)
    return positions


def account_from_rest(raw: dict, gateway_name: str) -> AccountData:
    """GET /fapi/v3/account: wallet balance, with the available balance as the part not frozen."""
    wallet, available = number(raw.get("totalWalletBalance")), number(raw.get("availableBalance"))
    account = AccountData(accountid="USDT", balance=wallet + number(raw.get("totalUnrealizedProfit")),
                          frozen=max(wallet + number(raw.get("totalUnrealizedProfit")) - available, 0.0),
                          gateway_name=gateway_name)
    account.extra = {"wallet": wallet, "available": available,
                     "unrealized_pnl": number(raw.get("totalUnrealizedProfit"))}
    return account


# --- errors ---------------------------------------------------------------------------------------
ERROR_REASONS = {
    -1003: "请求过于频繁，已被币安限流（-1003），请稍后再试",
    -1021: "本机时钟与币安服务器相差过大（-1021），请校准系统时间后重连",
    -1022: "签名无效：API Secret不正确，请在密钥管理中重新填写",
    -1111: "价格或数量的精度超出该合约允许的位数",
    -1121: "无效的合约代码",
    -2010: "交易所拒绝了该委托",
    -2011: "撤单失败：委托已不在交易所（可能已成交或已撤）",
    -2013: "交易所查无此委托",
    -2014: "API Key格式不正确",
    -2015: "API Key无效、IP未加入白名单或没有合约交易权限，请在币安API管理中检查",
    -2019: "保证金不足",
    -2021: "触发价已被当前价格越过，条件单会立即触发，已被拒绝",
    -2022: "只减仓委托被拒：没有可减少的持仓",
    -4003: "数量须大于0",
    -4061: "委托的持仓方向与账户的持仓模式不一致（单向/双向）",
    -4116: "客户委托号重复",
    -4120: "条件单须通过币安的策略委托（Algo）接口发送",
    -4164: "委托名义价值低于该合约的最小值",
    -5022: "只做Maker委托会立即成交，已被拒绝",
}
# Spot's -2010 and -1013 cover many refusals, told apart by their text (ccxt passes only the text on).
MESSAGE_REASONS = {
    "insufficient balance": "余额不足：可用的币或USDT不够这笔委托",
    "would immediately match and take": "只做Maker委托会立即成交，已被拒绝",
    "Filter failure: LOT_SIZE": "数量不符合该交易对的最小数量或步长",
    "Filter failure: NOTIONAL": "委托金额低于该交易对的最小值",
    "Filter failure: MIN_NOTIONAL": "委托金额低于该交易对的最小值",
    "Filter failure: PRICE_FILTER": "价格不符合该交易对的最小变动价位",
    "Duplicate order sent": "客户委托号重复",
    "Unknown order sent": "撤单失败：委托已不在交易所（可能已成交或已撤）",
    "Order does not exist": "交易所查无此委托",
}
HTTP_REASONS = {418: "本机IP已被币安临时封禁（418），请等待解封后再连接",
                429: "请求过于频繁（429），已暂停发送，稍后重试"}
_CODE = re.compile(r'"code"\s*:\s*(-?\d+)')
_MSG = re.compile(r'"msg"\s*:\s*"([^"]*)"')


def error_code(message: str) -> int | None:
    match = _CODE.search(message)
    return int(match.group(1)) if match else None


def error_reason(message: str, status: int | None = None) -> str:
    """Binance's error text (as ccxt passes it on) in words for the user."""
    status = status or next((s for s in HTTP_REASONS if f" {s} " in f" {message} "), None)
    if status in HTTP_REASONS:
        return tr(HTTP_REASONS[status])
    code = error_code(message)
    if code in ERROR_REASONS:
        return tr(ERROR_REASONS[code])
    known = next((words for text, words in MESSAGE_REASONS.items() if text in message), None)
    if known:
        return tr(known)
    detail = _MSG.search(message)
    return tr("币安返回错误：{message}", message=detail.group(1) if detail else message[:200])


# ccxt takes one proxy per transport, named by the proxy's own protocol (two names at once make
# every request fail); REST and sockets both go through it.
PROXY_ATTRIBUTES = {"http": ("http_proxy", "ws_proxy"), "https": ("https_proxy", "wss_proxy"),
                    "socks5": ("socks_proxy", "ws_socks_proxy"), "socks5h": ("socks_proxy", "ws_socks_proxy"),
                    "socks4": ("socks_proxy", "ws_socks_proxy")}


def proxy_attributes(proxy: str) -> dict[str, str]:
    """The ccxt attributes a proxy setting fills. Raises ValueError with what to write instead."""
    url = _proxy_url(proxy)
    if not url:
        return {}
    parts = urlsplit(url)
    if parts.scheme not in PROXY_ATTRIBUTES:
        raise ValueError(tr("代理协议“{scheme}”不支持：请写成 http://主机:端口 或 socks5://主机:端口",
                            scheme=parts.scheme))
    try:
        port = parts.port
    except ValueError:          # not a number
        port = None
    if not parts.hostname or port is None:
        raise ValueError(tr("代理地址缺少主机或端口：请写成 http://127.0.0.1:7890 这样的形式"))
    return {name: url for name in PROXY_ATTRIBUTES[parts.scheme]}


def proxy_host(proxy: str) -> str:
    """host:port of a proxy setting, without any user name or password in it."""
    parts = urlsplit(_proxy_url(proxy))
    return f"{parts.hostname}:{parts.port}"


def _proxy_url(proxy: str) -> str:
    """A bare host:port is an HTTP proxy, as Clash and v2rayN show theirs."""
    proxy = proxy.strip()
    return "http://" + proxy if proxy and "://" not in proxy else proxy


def funding_flows(rows: list[dict], gateway_name: str) -> list[CashFlow]:
    """GET /fapi/v1/income rows of type FUNDING_FEE (+ received, - paid)."""
    return [CashFlow(f"{gateway_name}.funding.{row['tranId']}", gateway_name, "funding", number(row.get("income")),
                     row.get("asset") or "USDT", utc(row.get("time") or 0),
                     f"{row.get('symbol')}.{Exchange.GLOBAL.value}")
            for row in rows if row.get("incomeType") == "FUNDING_FEE" and row.get("tranId") is not None]


def mark_from_rest(row: dict) -> dict:
    """A GET /fapi/v1/premiumIndex row in the markPrice stream's shape."""
    return {"s": row.get("symbol"), "p": row.get("markPrice"), "i": row.get("indexPrice"),
            "r": row.get("lastFundingRate"), "T": row.get("nextFundingTime"), "E": row.get("time")}


def ticker_fields(row: dict) -> tuple[float, float, float]:
    """(last, 24h change %, 24h quote volume) from a stream ticker (c/o/P/q) or a REST one."""
    if "c" in row:
        last, first = number(row.get("c")), number(row.get("o"))
        change = number(row["P"]) if "P" in row else (last / first - 1) * 100 if first else 0.0
        return last, change, number(row.get("q"))
    return number(row.get("lastPrice")), number(row.get("priceChangePercent")), number(row.get("quoteVolume"))

"""Pure tables and conversions between xtquant and vnpy. No threads, no SDK calls: every rule
here is tested directly. Section numbers refer to the QMT gateway reference."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from vnpy.trader.constant import Direction, Exchange, Interval, Offset, OrderType, Product, Status
from vnpy.trader.object import AccountData, BarData, ContractData, OrderData, PositionData, TickData, TradeData

from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ, ashare
from lianghua_app.quotes import Level2Trade, QuoteFrame

from .sdk import load_pure_modules

xtconstant, xttype = load_pure_modules()

# --- symbols (§3) ------------------------------------------------------------------------------
SUFFIX_TO_EXCHANGE = {"SH": Exchange.SSE, "SZ": Exchange.SZSE, "BJ": Exchange.BSE}
EXCHANGE_TO_SUFFIX = {v: k for k, v in SUFFIX_TO_EXCHANGE.items()}
_VT_SUFFIX = {exchange.value: suffix for exchange, suffix in EXCHANGE_TO_SUFFIX.items()}    # "SSE" -> "SH"
WHOLE_MARKETS = ("SH", "SZ", "BJ")


def to_xt_code(symbol: str, exchange: Exchange) -> str:
    return f"{symbol}.{EXCHANGE_TO_SUFFIX[exchange]}"


def xt_code_of(vt_symbol: str) -> str | None:
    """"600000.SSE" -> "600000.SH"; None for symbols of other exchanges."""
    symbol, _, exchange = vt_symbol.rpartition(".")
    suffix = _VT_SUFFIX.get(exchange)
    return f"{symbol}.{suffix}" if symbol and suffix else None


def from_xt_code(code: str) -> tuple[str, Exchange] | None:
    """`600000.SH` -> ("600000", SSE); None for markets this gateway does not trade."""
    symbol, _, suffix = code.rpartition(".")
    exchange = SUFFIX_TO_EXCHANGE.get(suffix.upper())
    return (symbol, exchange) if symbol and exchange else None


def cancel_market(exchange: Exchange) -> str:
    """The market *string* for `cancel_order_stock_sysid_async`; the int form is where
    community gateways send BSE cancels to Shenzhen."""
    return EXCHANGE_TO_SUFFIX[exchange]


# --- order status (§5.8) -----------------------------------------------------------------------
STATUS_MAP: dict[int, Status] = {
    xtconstant.ORDER_UNREPORTED: Status.SUBMITTING,
    xtconstant.ORDER_WAIT_REPORTING: Status.SUBMITTING,
    xtconstant.ORDER_REPORTED: Status.NOTTRADED,
    xtconstant.ORDER_REPORTED_CANCEL: Status.NOTTRADED,      # cancel pending: still live
    xtconstant.ORDER_PARTSUCC_CANCEL: Status.PARTTRADED,     # cancel pending: fills may follow
    xtconstant.ORDER_PART_CANCEL: Status.CANCELLED,
    xtconstant.ORDER_CANCELED: Status.CANCELLED,
    xtconstant.ORDER_PART_SUCC: Status.PARTTRADED,
    xtconstant.ORDER_SUCCEEDED: Status.ALLTRADED,
    xtconstant.ORDER_JUNK: Status.REJECTED,
}
CANCEL_PENDING = {xtconstant.ORDER_REPORTED_CANCEL, xtconstant.ORDER_PARTSUCC_CANCEL}
FINAL_STATUSES = {Status.ALLTRADED, Status.CANCELLED, Status.REJECTED}


def map_status(code: int, previous: Status | None) -> tuple[Status, str]:
    """The vnpy status for an xtquant code, and a warning when the code is not trusted.
    Unknown codes (255 included) keep the previous status; a final status is never left."""
    if previous in FINAL_STATUSES:
        return previous, ""
    status = STATUS_MAP.get(code)
    if status is None:
        kept = previous or Status.SUBMITTING
        return kept, tr("QMT返回未知委托状态{code}，保持为{status}", code=code, status=kept.value)
    return status, ""


# --- order types (§5.3, §7) --------------------------------------------------------------------
PRICE_TYPES: dict[tuple[OrderType, Exchange], int] = {
    (OrderType.LIMIT, Exchange.SSE): xtconstant.FIX_PRICE,
    (OrderType.LIMIT, Exchange.SZSE): xtconstant.FIX_PRICE,
    (OrderType.LIMIT, Exchange.BSE): xtconstant.FIX_PRICE,
    (OrderType.MARKET, Exchange.SSE): xtconstant.MARKET_SH_CONVERT_5_CANCEL,
    (OrderType.MARKET, Exchange.BSE): xtconstant.MARKET_SH_CONVERT_5_CANCEL,
    (OrderType.MARKET, Exchange.SZSE): xtconstant.MARKET_SZ_CONVERT_5_CANCEL,
    (OrderType.FAK, Exchange.SSE): xtconstant.MARKET_SH_CONVERT_5_CANCEL,
    (OrderType.FAK, Exchange.BSE): xtconstant.MARKET_SH_CONVERT_5_CANCEL,
    (OrderType.FAK, Exchange.SZSE): xtconstant.MARKET_SZ_INSTBUSI_RESTCANCEL,
    (OrderType.FOK, Exchange.SZSE): xtconstant.MARKET_SZ_FULL_OR_CANCEL,
}
# QMT echoes 50 for limit and 88 for market orders instead of the value sent (§5.3).
LIMIT_ECHOES = {xtconstant.FIX_PRICE, 50}


def price_type_for(order_type: OrderType, exchange: Exchange) -> int | None:
    return PRICE_TYPES.get((order_type, exchange))


def unsupported_type_reason(order_type: OrderType, exchange: Exchange) -> str:
    allowed = sorted(t.value for t, e in PRICE_TYPES if e is exchange)
    return tr("QMT不支持{exchange}的{kind}委托；可用：{allowed}", exchange=exchange.value,
              kind=order_type.value, allowed="、".join(allowed))


def xt_order_type(direction: Direction) -> int:
    return xtconstant.STOCK_BUY if direction is Direction.LONG else xtconstant.STOCK_SELL


def direction_of(record: Any) -> Direction:
    """For pushes without a cached request (placed in the terminal, or before a restart)."""
    flag = getattr(record, "offset_flag", None)
    if flag == xtconstant.OFFSET_FLAG_OPEN:
        return Direction.LONG
    if flag == xtconstant.OFFSET_FLAG_CLOSE:
        return Direction.SHORT
    return Direction.LONG if record.order_type == xtconstant.STOCK_BUY else Direction.SHORT


def order_type_of(price_type: int) -> OrderType:
    return OrderType.LIMIT if price_type in LIMIT_ECHOES else OrderType.MARKET


# --- time (§4.2, §5.6) -------------------------------------------------------------------------
def to_datetime(stamp: int | float | None) -> datetime | None:
    """Epoch seconds or milliseconds (13 digits) to Asia/Shanghai time; None for 0."""
    if not stamp:
        return None
    seconds = stamp / 1000 if stamp >= 10**12 else stamp
    return datetime.fromtimestamp(seconds, CHINA_TZ)


# --- ticks (§4.2) ------------------------------------------------------------------------------
SHARES_PER_LOT = 100  # QMT's tick `volume` and K-line `volume` count lots of 100 shares


def iter_quotes(payload: dict) -> Iterator[tuple[str, dict]]:
    """Both payload shapes: `{code: [tick, ...]}` (subscribe_quote) and `{code: tick}` (whole quote)."""
    for code, data in payload.items():
        if isinstance(data, list):
            for item in data:
                yield code, item
        elif isinstance(data, dict):
            yield code, data


def shares_traded(data: dict) -> float:
    """Day-cumulative volume in shares: `pvolume` when present, else `volume` lots."""
    pvolume = data.get("pvolume")
    if pvolume:
        return float(pvolume)
    return float(data.get("volume", 0) or 0) * SHARES_PER_LOT


def _level(values: Any, index: int) -> float:
    return float(values[index]) if isinstance(values, list | tuple) and index < len(values) else 0.0


def tick_from_quote(code: str, data: dict, gateway_name: str, name: str = "",
                    limits: tuple[float, float] = (0.0, 0.0), previous_volume: float | None = None) -> TickData | None:
    """A vnpy tick in shares; `last_volume` is the change of the cumulative volume since the
    previous tick (0 for the first one of a day)."""
    parsed = from_xt_code(code)
    moment = to_datetime(data.get("time"))
    if parsed is None or moment is None:
        return None
    volume = shares_traded(data)
    last_volume = volume - previous_volume if previous_volume is not None and volume >= previous_volume else 0.0
    tick = TickData(
        gateway_name=gateway_name, symbol=parsed[0], exchange=parsed[1], datetime=moment, name=name,
        volume=volume, turnover=float(data.get("amount", 0) or 0), open_interest=0.0,
        last_price=float(data.get("lastPrice", 0) or 0), last_volume=last_volume,
        limit_up=limits[0], limit_down=limits[1],
        open_price=float(data.get("open", 0) or 0), high_price=float(data.get("high", 0) or 0),
        low_price=float(data.get("low", 0) or 0), pre_close=float(data.get("lastClose", 0) or 0),
    )
    bids, asks = data.get("bidPrice"), data.get("askPrice")
    bid_volumes, ask_volumes = data.get("bidVol"), data.get("askVol")
    for i in range(5):
        setattr(tick, f"bid_price_{i + 1}", _level(bids, i))
        setattr(tick, f"ask_price_{i + 1}", _level(asks, i))
        # Depth volumes come in lots like `volume`.
        setattr(tick, f"bid_volume_{i + 1}", _level(bid_volumes, i) * SHARES_PER_LOT)
        setattr(tick, f"ask_volume_{i + 1}", _level(ask_volumes, i) * SHARES_PER_LOT)
    # For A-shares QMT puts the trading phase in openInt, not open interest (§4.2).
    tick.extra = {"status": data.get("openInt"), "stockStatus": data.get("stockStatus")}
    return tick


def frame_from_quotes(payload: dict, contracts: dict[str, ContractData]) -> QuoteFrame | None:
    """A whole-quote push as columns, straight from QMT's dicts (no TickData per code): prices,
    day volume in shares, best bid/offer size in shares, limits from the day's contract."""
    symbols, names, rows = [], [], []
    latest = 0
    for code, data in iter_quotes(payload):
        parsed = from_xt_code(code)
        if parsed is None:
            continue
        contract = contracts.get(code)
        extra = contract.extra or {} if contract else {}
        symbols.append(f"{parsed[0]}.{parsed[1].value}")
        names.append(contract.name if contract else "")
        rows.append((float(data.get("lastPrice", 0) or 0), shares_traded(data), float(data.get("amount", 0) or 0),
                     float(data.get("lastClose", 0) or 0), extra.get("limit_up", 0.0), extra.get("limit_down", 0.0),
                     _level(data.get("bidVol"), 0) * SHARES_PER_LOT, _level(data.get("askVol"), 0) * SHARES_PER_LOT))
        latest = max(latest, data.get("time") or 0)
    moment = to_datetime(latest)
    if not rows or moment is None:
        return None
    columns = np.array(rows, dtype=np.float64).T
    return QuoteFrame(moment, symbols, *columns, names=names)


# --- Level-2 transactions (xtdata.md, l2transaction and its tradeFlag table) -------------------
L2_PERIOD = "l2transaction"
TRADE_FLAG_SIDES = {1: "B", 2: "S"}     # 1 外盘: the buyer took the offer; 2 内盘: the seller hit the bid
TRADE_FLAG_CANCEL = 3                   # SZSE reports cancels as transactions with this flag


def level2_trades(payload: dict) -> list[Level2Trade]:
    """`subscribe_quote(code, "l2transaction")` pushes as Level2Trade, cancels dropped. SZSE
    sets no direction (flag 0): the later of the two order numbers is the order that took
    liquidity. Volume is taken from `amount / price`, which holds whatever unit `volume` uses."""
    trades = []
    for code, data in iter_quotes(payload):
        parsed = from_xt_code(code)
        flag = int(data.get("tradeFlag") or 0)
        price = float(data.get("price") or 0)
        moment = to_datetime(data.get("time"))
        if parsed is None or flag == TRADE_FLAG_CANCEL or price <= 0 or moment is None:
            continue
        amount = float(data.get("amount") or 0)
        volume = amount / price if amount > 0 else float(data.get("volume") or 0)
        if volume <= 0:
            continue
        side = TRADE_FLAG_SIDES.get(flag) or _aggressor(int(data.get("buyNo") or 0), int(data.get("sellNo") or 0))
        trades.append(Level2Trade(f"{parsed[0]}.{parsed[1].value}", moment, price, round(volume), side))
    return trades


def _aggressor(buy_no: int, sell_no: int) -> str:
    if buy_no == sell_no:
        return ""
    return "B" if buy_no > sell_no else "S"


# --- contracts (§4.4, §4.5) --------------------------------------------------------------------
SECTORS: dict[str, Product] = {"沪深A股": Product.EQUITY, "京市A股": Product.EQUITY, "沪深ETF": Product.ETF}
INDUSTRY_PREFIX = "SW1"     # Shenwan level-1 industries: "SW1银行"; "1000SW1银行" is CSI 1000's slice


def industry_of(sector_name: str, prefix: str = INDUSTRY_PREFIX) -> str:
    """The industry a QMT sector list names, or "" when it is not an industry list of that family."""
    return sector_name[len(prefix):].strip() if prefix and sector_name.startswith(prefix) else ""


def contract_from_detail(code: str, detail: dict | None, product: Product, gateway_name: str) -> ContractData | None:
    parsed = from_xt_code(code)
    if parsed is None or not detail:
        return None
    symbol, exchange = parsed
    lot = ashare.LOT_RULES[ashare.board_of(symbol)].minimum if product is Product.EQUITY else 100
    contract = ContractData(
        gateway_name=gateway_name, symbol=symbol, exchange=exchange,
        name=str(detail.get("InstrumentName") or symbol), product=product,
        size=float(detail.get("VolumeMultiple") or 1), pricetick=float(detail.get("PriceTick") or 0.01),
        min_volume=lot, net_position=True, history_data=True,
    )
    contract.extra = {"limit_up": float(detail.get("UpStopPrice") or 0),
                      "limit_down": float(detail.get("DownStopPrice") or 0),
                      "pre_close": float(detail.get("PreClose") or 0),
                      "trading_day": str(detail.get("TradingDay") or "")}
    return contract


# --- trading records (§5.6, §7) ----------------------------------------------------------------
def order_from_xt(xt: Any, orderid: str, known: OrderData | None, gateway_name: str) -> tuple[OrderData, str]:
    """A new OrderData (pushed objects are never mutated) and a warning for untrusted codes.
    Type, direction, offset and reference come from our own request when we have it."""
    parsed = from_xt_code(xt.stock_code) or (xt.stock_code, Exchange.LOCAL)
    previous = known.status if known else None
    status, warning = map_status(xt.order_status, previous)
    traded = max(float(xt.traded_volume or 0), known.traded if known else 0.0)
    order = OrderData(
        gateway_name=gateway_name, symbol=parsed[0], exchange=parsed[1], orderid=orderid,
        type=known.type if known else order_type_of(xt.price_type),
        direction=known.direction if known else direction_of(xt),
        offset=known.offset if known else Offset.NONE,
        price=known.price if known and not xt.price else float(xt.price or 0),
        volume=float(xt.order_volume or (known.volume if known else 0)), traded=traded, status=status,
        datetime=to_datetime(xt.order_time) or (known.datetime if known else None),
        reference=known.reference if known else (xt.strategy_name or ""),
    )
    extra = {"order_id": xt.order_id, "order_sysid": xt.order_sysid, "traded_price": xt.traded_price}
    if xt.order_status == xtconstant.ORDER_JUNK and xt.status_msg:
        extra["reason"] = xt.status_msg
    if xt.order_status in CANCEL_PENDING and status not in FINAL_STATUSES:
        extra["cancel_pending"] = True
    order.extra = extra
    return order, warning


OUR_ORDERID = re.compile(r"^\d{17}$")     # yymmddHHMMSS + a 5-digit count, written as order_remark


def is_our_orderid(remark: str) -> bool:
    return bool(OUR_ORDERID.match(remark))


def trade_id(xt: Any, legacy: set[str] = frozenset()) -> str:
    """Each exchange numbers its own trades, so a Shanghai and a Shenzhen trade can share a
    `traded_id`: the id carries the market for Shenzhen and Beijing (Shanghai keeps the bare
    number, as journals before this change have it). `legacy` holds bare ids already journaled
    today for other markets; those keep their old form so an upgrade never counts a trade twice."""
    number = str(xt.traded_id)
    market = str(xt.stock_code).rsplit(".", 1)[-1].upper()
    if market == "SH" or f"{market}:{number}" in legacy:
        return number
    return f"{market}{number}"


def trade_from_xt(xt: Any, orderid: str, direction: Direction, offset: Offset, gateway_name: str,
                  tradeid: str) -> TradeData:
    parsed = from_xt_code(xt.stock_code) or (xt.stock_code, Exchange.LOCAL)
    return TradeData(
        gateway_name=gateway_name, symbol=parsed[0], exchange=parsed[1], orderid=orderid,
        tradeid=tradeid, direction=direction, offset=offset, price=float(xt.traded_price),
        volume=float(xt.traded_volume), datetime=to_datetime(xt.traded_time) or datetime.now(CHINA_TZ),
    )


def position_from_xt(xt: Any, gateway_name: str) -> PositionData | None:
    """One LONG position per code. The project's convention (shared with SIM and read by the
    market-rule guard): `frozen` is volume held by pending sells and `yd_volume - frozen` is
    what can be sold today, so `yd_volume = can_use_volume + frozen_volume`."""
    parsed = from_xt_code(xt.stock_code)
    if parsed is None:
        return None
    volume = float(xt.volume or 0)
    frozen = float(xt.frozen_volume or 0)
    cost = float(xt.avg_price or xt.open_price or 0)
    pnl = getattr(xt, "float_profit", None)
    if pnl is None:
        pnl = float(xt.market_value or 0) - volume * cost
    position = PositionData(
        gateway_name=gateway_name, symbol=parsed[0], exchange=parsed[1], direction=Direction.LONG,
        volume=volume, yd_volume=float(xt.can_use_volume or 0) + frozen, frozen=frozen, price=cost,
        pnl=float(pnl),
    )
    position.extra = {"can_use_volume": xt.can_use_volume, "yesterday_volume": xt.yesterday_volume,
                      "on_road_volume": xt.on_road_volume, "market_value": xt.market_value,
                      "last_price": xt.last_price}
    return position


def account_from_xt(xt: Any, gateway_name: str) -> AccountData:
    account = AccountData(gateway_name=gateway_name, accountid=str(xt.account_id),
                          balance=float(xt.total_asset or 0), frozen=float(xt.frozen_cash or 0))
    # vnpy derives available = balance - frozen, which counts stocks as cash (§7).
    account.available = float(xt.cash or 0)
    account.extra = {"market_value": xt.market_value, "fetch_balance": xt.fetch_balance}
    return account


# --- history (§4.3) ----------------------------------------------------------------------------
INTERVAL_PERIODS = {Interval.MINUTE: "1m", Interval.HOUR: "1h", Interval.DAILY: "1d", Interval.WEEKLY: "1w"}
PERIOD_INTERVALS = {"1m": Interval.MINUTE, "5m": Interval.MINUTE, "1h": Interval.HOUR,
                    "1d": Interval.DAILY, "1w": Interval.WEEKLY}
PERIOD_MINUTES = {"1m": 1, "5m": 5, "1h": 60}
MARKET_OPEN = time(9, 30)
DAILY_CLOSE = time(15, 0)


def xt_time(moment: date | datetime) -> str:
    """QMT reads times as Beijing wall-clock strings; vnpy may hand us UTC datetimes."""
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(CHINA_TZ)
        return moment.strftime("%Y%m%d%H%M%S")
    return moment.strftime("%Y%m%d")


def bars_from_rows(code: str, period: str, rows: list[dict], gateway_name: str,
                   now: datetime | None = None) -> list[BarData]:
    """K-line rows (epoch-ms `time`, prices, `volume` in lots, `amount`) to vnpy bars stamped
    with the bar's *start*, as vnpy's BarGenerator does. QMT stamps the end: intraday bars move
    back one period and the pre-open auction bar folds into the 09:30 bar. Today's daily bar
    is dropped before the close because it is not finished."""
    parsed = from_xt_code(code)
    if parsed is None:
        return []
    now = now or datetime.now(CHINA_TZ)
    minutes = PERIOD_MINUTES.get(period)
    bars: list[BarData] = []
    carry: BarData | None = None
    for row in rows:
        end = to_datetime(row["time"])
        if end is None or not row.get("close"):
            continue
        bar = BarData(gateway_name=gateway_name, symbol=parsed[0], exchange=parsed[1],
                      interval=PERIOD_INTERVALS[period], datetime=end,
                      open_price=float(row["open"]), high_price=float(row["high"]), low_price=float(row["low"]),
                      close_price=float(row["close"]), volume=float(row.get("volume", 0)) * SHARES_PER_LOT,
                      turnover=float(row.get("amount", 0) or 0))
        if minutes:
            bar.datetime = end - timedelta(minutes=minutes)
            if bar.datetime.time() < MARKET_OPEN:
                carry = bar
                continue
            if carry is not None and carry.datetime.date() == bar.datetime.date():
                bar = _fold(carry, bar)
            carry = None
        else:
            bar.datetime = datetime.combine(end.date(), time(0), CHINA_TZ)
            if end.date() == now.date() and now.time() < DAILY_CLOSE:
                continue
        bars.append(bar)
    return bars


def _fold(auction: BarData, bar: BarData) -> BarData:
    bar.open_price = auction.open_price
    bar.high_price = max(auction.high_price, bar.high_price)
    bar.low_price = min(auction.low_price, bar.low_price)
    bar.volume += auction.volume
    bar.turnover += auction.turnover
    return bar


# --- account status (§5.9) and connection failures (§2) ----------------------------------------
ACCOUNT_STATUS_TEXT = {
    -1: "无效", 0: "正常", 1: "连接中", 2: "登录中", 3: "登录失败", 4: "初始化中", 5: "数据刷新中",
    6: "已收盘", 7: "穿透副链接断开", 8: "系统停用", 9: "用户停用",
}


def account_status_text(status: int) -> str:
    return tr(ACCOUNT_STATUS_TEXT.get(status, "未知状态{status}"), status=status)


def connect_failure(rc: int) -> str:
    return tr("QMT未启动或未登录极简模式（连接返回{rc}）。请先打开QMT并勾选“极简模式”登录，"
              "并确认userdata_mini路径正确。", rc=rc)


def subscribe_failure(account_id: str) -> str:
    return tr("QMT已连接，但订阅资金账号{account}失败。请确认账号在QMT中已登录、账户类型正确。", account=account_id)

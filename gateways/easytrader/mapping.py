"""Pure tables between easytrader's grids and vnpy objects. No threads, no sockets, no easytrader:
every rule is tested from recorded payloads.

Broker clients name their grid columns differently (合同编号 or 委托编号 or 委托序号; 股票余额, 当前持仓
or 股份余额 ...), so each broker family has one table of the names each field goes by; miniqmt
(xtquant's fields) and 雪球 use English keys. Status words (已报, 部成, 已成, 已撤, 部撤, 废单 ...) map
to vnpy statuses with a reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from vnpy.trader.constant import Direction, Exchange, Status

from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ, ashare_vt_symbol

# --- broker families -----------------------------------------------------------------------------
FAMILIES = {"ths": "ths", "universal_client": "ths", "ht_client": "ths", "gj_client": "ths", "yh_client": "ths",
            "htzq_client": "ths", "wk_client": "ths", "miniqmt": "miniqmt", "xq": "xq"}
BROKERS = tuple(FAMILIES)

# For each field, the names it goes by in each family, first match wins.
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "ths": {
        "entrust_no": ("合同编号", "委托编号", "委托序号", "申请编号", "委托号"),
        "trade_no": ("成交编号", "成交序号"),
        "code": ("证券代码", "股票代码"),
        "name": ("证券名称", "股票名称"),
        "market": ("交易市场", "市场", "市场名称"),
        "side": ("买卖标志", "操作", "委托类别", "买卖方向"),
        "price": ("委托价格",),
        "volume": ("委托数量",),
        "traded": ("成交数量",),
        "traded_price": ("成交均价", "成交价格"),
        "cancelled": ("撤单数量", "已撤数量"),
        "status": ("状态说明", "委托状态", "备注"),
        "order_date": ("委托日期",),
        "order_time": ("委托时间",),
        "trade_date": ("成交日期",),
        "trade_time": ("成交时间",),
        "position": ("股票余额", "当前持仓", "股份余额", "实际数量", "证券数量"),
        "available": ("可用余额", "可用股份", "股份可用", "可卖数量"),
        "cost": ("成本价", "参考成本价", "成本价格", "买入成本"),
        "last": ("市价", "参考市价", "当前价", "最新价"),
        "cash": ("资金余额",),
        "available_cash": ("可用金额", "可用资金"),
        "frozen_cash": ("冻结资金", "冻结金额"),
        "total_asset": ("总资产",),
        "market_value": ("股票市值", "参考市值", "证券市值", "最新市值"),
        "account": ("资金帐号", "资金账号"),
    },
    "miniqmt": {
        "entrust_no": ("order_id",), "trade_no": ("traded_id",), "code": ("stock_code", "security"),
        "side": ("order_type_name", "offset_flag_name"), "price": ("price",), "volume": ("order_volume",),
        "traded": ("traded_volume",), "traded_price": ("traded_price",), "status": ("order_status_name",),
        "status_msg": ("status_msg",), "order_stamp": ("order_time",), "trade_stamp": ("traded_time",),
        "position": ("volume",), "available": ("can_use_volume",), "cost": ("avg_price", "open_price"),
        "cash": ("cash",), "available_cash": ("cash",), "frozen_cash": ("frozen_cash",),
        "total_asset": ("total_asset",), "market_value": ("market_value",), "account": ("account_id",),
    },
    "xq": {
        "entrust_no": ("entrust_no",), "code": ("stock_code",), "name": ("stock_name",),
        "side": ("entrust_bs",), "price": ("entrust_price",), "volume": ("entrust_amount",),
        "traded": ("business_amount",), "traded_price": ("business_price",), "status": ("entrust_status",),
        "position": ("current_amount",), "available": ("enable_amount",), "cost": ("cost_price",),
        "last": ("last_price",), "cash": ("current_balance",), "available_cash": ("enable_balance",),
        "frozen_cash": ("frozen_balance",), "total_asset": ("asset_balance",), "market_value": ("market_value",),
    },
}

# Status words as the grids write them. The reason is shown with a rejected or cancelled order.
STATUS_WORDS: dict[str, tuple[Status, str]] = {
    "未报": (Status.SUBMITTING, ""), "待报": (Status.SUBMITTING, ""), "正报": (Status.SUBMITTING, ""),
    "已报": (Status.NOTTRADED, ""), "已报待撤": (Status.NOTTRADED, "撤单已报，等待交易所确认"),
    "部成": (Status.PARTTRADED, ""), "部成待撤": (Status.PARTTRADED, "撤单已报，等待交易所确认"),
    "已成": (Status.ALLTRADED, ""), "全部成交": (Status.ALLTRADED, ""),
    "已撤": (Status.CANCELLED, "已撤单"), "部撤": (Status.CANCELLED, "部分成交后撤单"),
    "全部撤单": (Status.CANCELLED, "已撤单"), "撤单": (Status.CANCELLED, "已撤单"),
    "废单": (Status.REJECTED, "废单（柜台或交易所拒绝）"), "场内拒绝": (Status.REJECTED, "交易所拒绝"),
    "场外拒绝": (Status.REJECTED, "柜台拒绝"), "已撤销": (Status.CANCELLED, "已撤单"),
    # 雪球
    "已成交": (Status.ALLTRADED, ""), "已撤单": (Status.CANCELLED, "已撤单"), "已报未成": (Status.NOTTRADED, ""),
}
MARKET_WORDS = {"沪A": Exchange.SSE, "上海A股": Exchange.SSE, "上海Ａ股": Exchange.SSE, "沪Ａ": Exchange.SSE,
                "深A": Exchange.SZSE, "深圳A股": Exchange.SZSE, "深圳Ａ股": Exchange.SZSE, "深Ａ": Exchange.SZSE,
                "京A": Exchange.BSE, "北A": Exchange.BSE, "北交所": Exchange.BSE}
FINAL_STATUSES = (Status.ALLTRADED, Status.CANCELLED, Status.REJECTED)
_RANK = {Status.SUBMITTING: 0, Status.NOTTRADED: 1, Status.PARTTRADED: 2, Status.ALLTRADED: 3,
         Status.CANCELLED: 3, Status.REJECTED: 3}


class MappingError(ValueError):
    """A grid row this table cannot read: the message names the row and the missing field."""


def family_of(broker: str) -> str:
    family = FAMILIES.get(broker)
    if family is None:
        raise MappingError(tr("不支持的券商客户端“{broker}”；可用：{known}", broker=broker, known="、".join(BROKERS)))
    return family


def field(row: dict, family: str, name: str, default: Any = None) -> Any:
    for key in COLUMNS[family].get(name, ()):
        if key in row and row[key] not in (None, ""):
            return row[key]
    return default


def number(value: Any) -> float:
    """Grids give numbers as numbers or as text, sometimes with thousands separators or a %."""
    if isinstance(value, int | float):
        return float(value)
    text = str(value or "0").replace(",", "").replace("%", "").strip()
    try:
        return float(text) if text not in ("", "-", "--") else 0.0
    except ValueError as error:
        raise MappingError(tr("无法读取数字“{value}”", value=value)) from error


def required(row: dict, family: str, name: str) -> Any:
    value = field(row, family, name)
    if value is None:
        raise MappingError(tr("券商表格缺少“{field}”列（可识别的列名：{names}）：{row}", field=name,
                              names="、".join(COLUMNS[family].get(name, ())), row=row))
    return value


# --- symbols, sides, statuses ---------------------------------------------------------------------
def vt_symbol_of(row: dict, family: str) -> str:
    code = str(required(row, family, "code")).strip()
    prefixed = re.fullmatch(r"(SH|SZ|BJ)(\d{6})", code.upper())     # 雪球 writes SH600036
    if prefixed:
        code = f"{prefixed[2]}.{prefixed[1]}"
    market = MARKET_WORDS.get(str(field(row, family, "market", "")).strip())
    if market is not None and "." not in code:
        return f"{code.zfill(6)}.{market.value}"
    found = ashare_vt_symbol(code if "." in code or len(code) >= 6 else code.zfill(6))
    if found is None:
        raise MappingError(tr("无法识别证券代码“{code}”", code=code))
    return found


def direction_of(row: dict, family: str) -> Direction:
    side = str(required(row, family, "side")).strip()
    if "卖" in side or side in ("S", "2"):
        return Direction.SHORT
    if "买" in side or side in ("B", "1"):
        return Direction.LONG
    raise MappingError(tr("无法识别买卖方向“{side}”", side=side))


def status_of(row: dict, family: str) -> tuple[Status, str]:
    """The vnpy status and the reason in words; an unknown word is kept as the reason of an
    active order (nothing is guessed final)."""
    word = str(field(row, family, "status", "")).strip()
    known = STATUS_WORDS.get(word)
    if known is None:
        for key, value in STATUS_WORDS.items():
            if key and key in word:
                known = value
                break
    detail = str(field(row, family, "status_msg", "") or "")
    if known is None:
        return Status.NOTTRADED, tr("券商状态“{word}”", word=word)
    status, reason = known
    reason = tr(reason) if reason else ""
    if detail and status in (Status.REJECTED, Status.CANCELLED):
        reason = f"{reason}：{detail}" if reason else detail
    return status, reason


def moves_forward(old: Status | None, new: Status) -> bool:
    """A status only moves forward: a later poll that shows an older state is ignored."""
    return old is None or (old not in FINAL_STATUSES and _RANK[new] >= _RANK[old])


# --- rows ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BrokerOrder:
    entrust_no: str
    vt_symbol: str
    direction: Direction
    price: float
    volume: float
    traded: float
    status: Status
    reason: str
    time: datetime | None


@dataclass(frozen=True)
class BrokerTrade:
    trade_no: str
    entrust_no: str
    vt_symbol: str
    direction: Direction
    price: float
    volume: float
    time: datetime | None


@dataclass(frozen=True)
class BrokerPosition:
    vt_symbol: str
    name: str
    volume: float
    available: float            # 可用: what may be sold today (T+1)
    cost: float
    last: float


@dataclass(frozen=True)
class BrokerBalance:
    account: str
    total_asset: float
    cash: float
    available: float
    frozen: float
    market_value: float


def _moment(row: dict, family: str, day_field: str, time_field: str, stamp_field: str) -> datetime | None:
    stamp = field(row, family, stamp_field)
    if stamp is not None:
        return datetime.fromtimestamp(float(stamp), CHINA_TZ)
    clock = field(row, family, time_field)
    if clock is None:
        return None
    day_text = str(field(row, family, day_field, "") or "")
    day = datetime.strptime(day_text, "%Y%m%d").date() if re.fullmatch(r"\d{8}", day_text) else \
        datetime.now(CHINA_TZ).date()
    text = str(clock).strip()
    digits = text.replace(":", "")
    if not re.fullmatch(r"\d{5,6}", digits):
        raise MappingError(tr("无法读取时间“{value}”", value=clock))
    digits = digits.zfill(6)
    return datetime.combine(day, time(int(digits[:2]), int(digits[2:4]), int(digits[4:6])), CHINA_TZ)


def order_of(row: dict, family: str) -> BrokerOrder:
    status, reason = status_of(row, family)
    volume = number(required(row, family, "volume"))
    traded = number(field(row, family, "traded", 0))
    cancelled = number(field(row, family, "cancelled", 0))
    if status is Status.NOTTRADED and traded > 0:
        status = Status.ALLTRADED if traded >= volume else Status.PARTTRADED
    if status in (Status.NOTTRADED, Status.PARTTRADED) and cancelled > 0 and traded + cancelled >= volume:
        status, reason = Status.CANCELLED, tr("已撤单")
    return BrokerOrder(str(required(row, family, "entrust_no")).strip(), vt_symbol_of(row, family),
                       direction_of(row, family), number(field(row, family, "price", 0)), volume, traded, status,
                       reason, _moment(row, family, "order_date", "order_time", "order_stamp"))


def trade_of(row: dict, family: str) -> BrokerTrade:
    entrust_no = str(required(row, family, "entrust_no")).strip()
    moment = _moment(row, family, "trade_date", "trade_time", "trade_stamp")
    volume = number(required(row, family, "traded"))
    price = number(required(row, family, "traded_price"))
    trade_no = field(row, family, "trade_no")
    if trade_no in (None, ""):
        # Some grids have no trade number: the entrust number, time and size make one that a
        # later poll of the same grid gives again.
        trade_no = f"{entrust_no}-{moment:%H%M%S}-{volume:g}" if moment else f"{entrust_no}-{volume:g}"
    return BrokerTrade(str(trade_no).strip(), entrust_no, vt_symbol_of(row, family), direction_of(row, family),
                       price, volume, moment)


def position_of(row: dict, family: str) -> BrokerPosition:
    return BrokerPosition(vt_symbol_of(row, family), str(field(row, family, "name", "") or ""),
                          number(required(row, family, "position")), number(field(row, family, "available", 0)),
                          number(field(row, family, "cost", 0)), number(field(row, family, "last", 0)))


def balance_of(rows: list[dict] | dict, family: str) -> BrokerBalance:
    """easytrader returns the balance as a one-row list (or a dict)."""
    row = rows[0] if isinstance(rows, list) and rows else rows
    if not isinstance(row, dict) or not row:
        raise MappingError(tr("券商资金表为空"))
    cash = number(field(row, family, "cash", 0))
    market_value = number(field(row, family, "market_value", 0))
    total = number(field(row, family, "total_asset", 0)) or cash + market_value
    available, frozen = number(field(row, family, "available_cash", cash)), number(field(row, family, "frozen_cash", 0))
    return BrokerBalance(str(field(row, family, "account", "") or ""), total, cash, available, frozen, market_value)


def entrust_no_of(answer: Any) -> str | None:
    """The entrust number a buy or sell answered with; None when the client said only "success"
    (some clients are set not to return it) or miniqmt's -1 (refused)."""
    if not isinstance(answer, dict):
        return None
    value = answer.get("entrust_no")
    if value in (None, "", -1, "-1"):
        return None
    return str(value)

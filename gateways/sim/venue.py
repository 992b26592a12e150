"""The SIM venue: a matching engine over the shared market rules. No threads, no events:
every call returns the changes for the gateway to publish, so it is tested directly."""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from datetime import date, datetime

from vnpy.trader.constant import Direction, Exchange, Offset, OrderType, Status
from vnpy.trader.object import AccountData, ContractData, OrderData, OrderRequest, PositionData, TickData, TradeData

from lianghua_app import markets
from lianghua_app.events import CashFlow
from lianghua_app.i18n import tr
from lianghua_app.markets import CHINA_TZ, ashare, crypto

from .ledger import Ledger

ACTIVE = {Status.SUBMITTING, Status.NOTTRADED, Status.PARTTRADED}


@dataclass
class WorkingOrder:
    order: OrderData
    frozen: float = 0.0         # cash (buy) or margin held for the remaining volume
    freeze_price: float = 0.0
    commission: float = 0.0     # charged so far: the A-share minimum is per order
    turnover: float = 0.0


@dataclass
class Changes:
    orders: list[OrderData] = field(default_factory=list)
    trades: list[TradeData] = field(default_factory=list)
    positions: set[str] = field(default_factory=set)
    currencies: set[str] = field(default_factory=set)
    logs: list[str] = field(default_factory=list)
    flows: list[CashFlow] = field(default_factory=list)
    durable: bool = False       # the book changed without an order or trade (funding, liquidation, a new day)

    def merge(self, other: Changes) -> Changes:
        self.orders += other.orders
        self.trades += other.trades
        self.positions |= other.positions
        self.currencies |= other.currencies
        self.logs += other.logs
        self.flows += other.flows
        self.durable |= other.durable
        return self

    @property
    def touched_book(self) -> bool:
        """The saved book must be written with these changes, before they are shown."""
        return bool(self.durable or self.orders or self.trades)


def _would_take(req: OrderRequest, tick: TickData) -> bool:
    if req.direction is Direction.LONG:
        return 0 < tick.ask_price_1 <= req.price
    return req.price <= tick.bid_price_1


def currency_of(contract: ContractData) -> str:
    return markets.currency_of(contract.exchange)


class SimVenue:
    def __init__(self, gateway_name: str, contracts: list[ContractData], capital_cny: float,
                 capital_usdt: float, leverage: int = 5, fees: ashare.AshareFeeSchedule | None = None,
                 enforce_sessions: bool = False) -> None:
        self.gateway_name = gateway_name
        self.contracts = {c.vt_symbol: c for c in contracts}
        self.ledger = Ledger(cash={"CNY": capital_cny, "USDT": capital_usdt}, frozen={"CNY": 0.0, "USDT": 0.0})
        self.leverage = leverage
        self.fees = fees or ashare.AshareFeeSchedule()
        self.enforce_sessions = enforce_sessions
        self.ticks: dict[str, TickData] = {}
        self.working: dict[str, WorkingOrder] = {}
        self.orders: dict[str, OrderData] = {}
        self.trades: list[TradeData] = []
        self.trading_day: date | None = None
        self.next_funding: dict[str, datetime] = {}
        self.order_seq = 0
        self.trade_seq = 0
        self._used: dict[str, dict[float, float]] = {}   # volume taken per price from the current quote

    # --- orders -------------------------------------------------------------------------
    def submit(self, req: OrderRequest, now: datetime) -> tuple[OrderData, Changes]:
        self.order_seq += 1
        order = req.create_order_data(f"{now:%y%m%d}{self.order_seq:06d}", self.gateway_name)
        order.datetime = now
        self.orders[order.vt_orderid] = order
        changes = Changes()
        reason = self._admission(req, now)
        if reason:
            order.status = Status.REJECTED
            order.extra = {"reason": reason}
            changes.orders.append(_copy(order))
            changes.logs.append(tr("模拟撮合拒单 {symbol}：{reason}", symbol=req.vt_symbol, reason=reason))
            return order, changes
        work = self._freeze(order, req)
        order.status = Status.NOTTRADED
        changes.orders.append(_copy(order))
        changes.currencies.add(currency_of(self.contracts[order.vt_symbol]))
        changes.positions.add(order.vt_symbol)
        tick = self.ticks.get(order.vt_symbol)
        if tick:
            changes.merge(self._match(work, tick, now, maker=False))
        if order.type is not OrderType.LIMIT and order.status in ACTIVE:
            changes.merge(self._finish(work, Status.CANCELLED, tr("市价委托剩余部分已撤销")))
        return order, changes

    def cancel(self, vt_orderid: str) -> Changes:
        work = self.working.get(vt_orderid)
        if work is None:
            order = self.orders.get(vt_orderid)
            state = order.status.value if order else tr("不存在")
            return Changes(logs=[tr("撤单失败：委托{orderid}{state}，无法撤单", orderid=vt_orderid, state=state)])
        return self._finish(work, Status.CANCELLED, "")

    def _admission(self, req: OrderRequest, now: datetime) -> str | None:
        contract = self.contracts.get(req.vt_symbol)
        tick = self.ticks.get(req.vt_symbol)
        available = self.ledger.stock(req.vt_symbol).available if contract else 0.0
        reason = markets.validate_order(req, contract, tick, available, self._day(now))
        if reason or contract is None:
            return reason
        if req.type is OrderType.STOP:
            return tr("模拟盘不支持交易所条件单（止损/止盈）；策略可用本地停止单（stop=True）")
        if req.type is not OrderType.LIMIT and tick is None:
            return tr("暂无行情，无法市价委托")
        if crypto.is_post_only(req) and tick is not None and _would_take(req, tick):
            return tr("只做Maker委托会立即成交，已被拒绝")
        if markets.is_ashare(contract.exchange):
            if self.enforce_sessions and not ashare.is_trading_time(now.astimezone(CHINA_TZ)):
                return tr("非交易时段（9:15-9:25, 9:30-11:30, 13:00-15:00）")
            if req.direction is Direction.LONG:
                need = ashare.estimate_buy_cost(req.symbol, self._freeze_price(req, tick), req.volume, self._day(now),
                                               self.fees)
                if need > self.ledger.available("CNY") + 1e-6:
                    return tr("可用资金不足：需要{need:,.2f}元，可用{available:,.2f}元", need=need,
                              available=self.ledger.available("CNY"))
            return None
        opening = self._opening_qty(req)
        if opening > 0:
            price = self._freeze_price(req, tick)
            spec = markets.perp_spec(contract)
            need = crypto.initial_margin(opening * price, self.leverage) + crypto.trade_fee(spec, opening * price,
                                                                                         maker=False)
            if need > self.ledger.available("USDT") + 1e-9:
                return tr("可用保证金不足：需要{need:,.2f} USDT，可用{available:,.2f} USDT", need=need,
                          available=self.ledger.available("USDT"))
        return None

    def _opening_qty(self, req: OrderRequest) -> float:
        current = self.ledger.perp(req.vt_symbol).qty
        signed = req.volume if req.direction is Direction.LONG else -req.volume
        return max(abs(current + signed) - abs(current), 0.0)

    def _freeze_price(self, req: OrderRequest, tick: TickData | None) -> float:
        if req.type is OrderType.LIMIT:
            return req.price
        if tick is None:
            return 0.0
        if req.direction is Direction.LONG:
            return tick.limit_up or (tick.ask_price_1 or tick.last_price) * 1.02
        return tick.limit_down or (tick.bid_price_1 or tick.last_price) * 0.98

    def _freeze(self, order: OrderData, req: OrderRequest) -> WorkingOrder:
        contract = self.contracts[order.vt_symbol]
        work = WorkingOrder(order, freeze_price=self._freeze_price(req, self.ticks.get(order.vt_symbol)))
        if markets.is_ashare(contract.exchange):
            if order.direction is Direction.LONG:
                work.frozen = ashare.estimate_buy_cost(order.symbol, work.freeze_price, order.volume,
                                                       self._day(order.datetime), self.fees)
                self.ledger.frozen["CNY"] += work.frozen
            else:
                self.ledger.stock(order.vt_symbol).frozen += order.volume
        else:
            work.frozen = crypto.initial_margin(self._opening_qty(req) * work.freeze_price, self.leverage)
            self.ledger.frozen["USDT"] += work.frozen
        self.working[order.vt_orderid] = work
        return work

    def _finish(self, work: WorkingOrder, status: Status, reason: str) -> Changes:
        order = work.order
        contract = self.contracts[order.vt_symbol]
        currency = currency_of(contract)
        self._release(work)
        if markets.is_ashare(contract.exchange) and order.direction is Direction.SHORT:
            holding = self.ledger.stock(order.vt_symbol)
            holding.frozen = max(holding.frozen - (order.volume - order.traded), 0.0)
        order.status = status
        if reason:
            order.extra = {"reason": reason}
        return Changes(orders=[_copy(order)], positions={order.vt_symbol}, currencies={currency})

    def _release(self, work: WorkingOrder) -> None:
        """The order is done: what is still frozen for it goes back, and it leaves the book."""
        self.ledger.frozen[currency_of(self.contracts[work.order.vt_symbol])] -= work.frozen
        work.frozen = 0.0
        self.working.pop(work.order.vt_orderid, None)

    # --- market data ----------------------------------------------------------------------
    def on_tick(self, tick: TickData) -> Changes:
        changes = Changes()
        self.ticks[tick.vt_symbol] = tick
        self._used[tick.vt_symbol] = {}
        day = self._day(tick.datetime)
        if markets.is_ashare(tick.exchange) and self.trading_day and day > self.trading_day:
            changes.merge(self.roll_day(day))
        if self.trading_day is None or day > self.trading_day:
            self.trading_day = day
            changes.durable = True
        if not markets.is_ashare(tick.exchange):
            changes.merge(self._settle_funding(tick))
            changes.merge(self._check_liquidation(tick))
        for work in [w for w in self.working.values() if w.order.vt_symbol == tick.vt_symbol]:
            changes.merge(self._match(work, tick, tick.datetime, maker=True))
        if self._holds(tick.vt_symbol):            # its value moved: the balance (total asset) did too
            changes.currencies.add(markets.currency_of(tick.exchange))
        return changes

    def _holds(self, vt_symbol: str) -> bool:
        stock = self.ledger.stocks.get(vt_symbol)
        perp = self.ledger.perps.get(vt_symbol)
        return bool((stock and stock.volume) or (perp and perp.qty))

    def roll_day(self, day: date) -> Changes:
        """A new trading day: yesterday's shares become sellable; A-share day orders expire."""
        changes = Changes(durable=True)
        for vt_symbol, holding in self.ledger.stocks.items():
            if holding.yd_volume != holding.volume:
                holding.yd_volume = holding.volume
                changes.positions.add(vt_symbol)
        for work in [w for w in self.working.values() if markets.is_ashare(w.order.exchange)]:
            changes.merge(self._finish(work, Status.CANCELLED, tr("当日有效委托已过期")))
        self.trading_day = day
        self.orders = {k: v for k, v in self.orders.items() if v.status in ACTIVE}
        self.trades = []
        return changes

    def _match(self, work: WorkingOrder, tick: TickData, now: datetime, maker: bool) -> Changes:
        order = work.order
        changes = Changes()
        if self.enforce_sessions and markets.is_ashare(order.exchange) and not ashare.is_trading_time(
                now.astimezone(CHINA_TZ)):
            return changes
        buy = order.direction is Direction.LONG
        if markets.is_ashare(order.exchange):
            if buy and ashare.is_limit_up_locked(tick.last_price, tick.ask_volume_1, tick.limit_up):
                return changes
            if not buy and ashare.is_limit_down_locked(tick.last_price, tick.bid_volume_1, tick.limit_down):
                return changes
        used = self._used.setdefault(order.vt_symbol, {})
        for price, size in _levels(tick, buy):
            if order.type is OrderType.LIMIT and (price > order.price + 1e-9 if buy else price < order.price - 1e-9):
                break
            remaining = order.volume - order.traded
            qty = min(remaining, size - used.get(price, 0.0))
            qty = self._round_fill(order, qty, remaining)
            if qty <= 0:
                continue
            used[price] = used.get(price, 0.0) + qty
            changes.merge(self._fill(work, price, qty, now, maker))
            if order.status not in ACTIVE:
                break
        return changes

    def _round_fill(self, order: OrderData, qty: float, remaining: float) -> float:
        if qty >= remaining:
            return remaining
        if markets.is_ashare(order.exchange):
            step = ashare.LOT_RULES[ashare.board_of(order.symbol)].step
            return (qty // step) * step
        step = self.contracts[order.vt_symbol].min_volume
        return round((qty // step) * step, 10)

    def _fill(self, work: WorkingOrder, price: float, qty: float, now: datetime, maker: bool) -> Changes:
        order = work.order
        contract = self.contracts[order.vt_symbol]
        currency = currency_of(contract)
        if markets.is_ashare(contract.exchange):
            fees = self._fill_stock(work, price, qty, now)
            fee, tax = fees.commission + fees.transfer_fee, fees.stamp_duty
        else:
            fee, tax = self._fill_perp(work, price, qty, maker), 0.0
        order.traded += qty
        order.status = Status.ALLTRADED if order.traded >= order.volume - 1e-9 else Status.PARTTRADED
        self.trade_seq += 1
        trade = TradeData(symbol=order.symbol, exchange=order.exchange, orderid=order.orderid,
                          tradeid=f"{now:%y%m%d}{self.trade_seq:06d}", direction=order.direction,
                          offset=order.offset, price=price, volume=qty, datetime=now,
                          gateway_name=self.gateway_name)
        trade.extra = {"commission": fee, "tax": tax, "commission_asset": currency}
        self.trades.append(trade)
        changes = Changes(orders=[_copy(order)], trades=[trade], positions={order.vt_symbol},
                          currencies={currency})
        if order.status is Status.ALLTRADED:
            self._release(work)
        return changes

    def _fill_stock(self, work: WorkingOrder, price: float, qty: float, now: datetime) -> ashare.Fees:
        order = work.order
        sell = order.direction is Direction.SHORT
        turnover = price * qty
        fees = ashare.fees_for_fill(sell, order.symbol, qty, turnover, self._day(now), self.fees, work.commission,
                                    work.turnover)
        work.commission += fees.commission
        work.turnover += turnover
        holding = self.ledger.stock(order.vt_symbol)
        if sell:
            self.ledger.cash["CNY"] += turnover - fees.total
            holding.sell(qty)
        else:
            self.ledger.cash["CNY"] -= turnover + fees.total
            holding.buy(qty, turnover, fees.total)
            remaining = order.volume - order.traded - qty
            still = 0.0
            if remaining > 0:
                still = ashare.estimate_buy_cost(order.symbol, work.freeze_price, remaining, self._day(now), self.fees)
            self.ledger.frozen["CNY"] -= work.frozen - still
            work.frozen = still
        return fees

    def _fill_perp(self, work: WorkingOrder, price: float, qty: float, maker: bool) -> float:
        order = work.order
        spec = markets.perp_spec(self.contracts[order.vt_symbol])
        fee = crypto.trade_fee(spec, price * qty, maker)
        signed = qty if order.direction is Direction.LONG else -qty
        released = work.frozen * qty / max(order.volume - order.traded, qty)
        self.ledger.frozen["USDT"] -= released
        work.frozen -= released
        realised = self.ledger.perp(order.vt_symbol).fill(signed, price, self.leverage)
        self.ledger.cash["USDT"] += realised - fee
        return fee

    def _settle_funding(self, tick: TickData) -> Changes:
        due = self.next_funding.get(tick.vt_symbol)
        if due is None:
            self.next_funding[tick.vt_symbol] = crypto.next_funding_time(tick.datetime)
            return Changes()
        if tick.datetime < due:
            return Changes()
        self.next_funding[tick.vt_symbol] = crypto.next_funding_time(tick.datetime)
        rate = (tick.extra or {}).get("funding_rate", 0.0)
        mark = (tick.extra or {}).get("mark_price", tick.last_price)
        return self.apply_funding(tick.vt_symbol, rate, mark, due)

    def apply_funding(self, vt_symbol: str, rate: float, mark_price: float, when: datetime) -> Changes:
        holding = self.ledger.perps.get(vt_symbol)
        if holding is None or not holding.qty:
            return Changes()
        payment = crypto.funding_payment(holding.qty, mark_price, rate)
        self.ledger.cash["USDT"] -= payment
        flow = CashFlow(f"{self.gateway_name}.funding.{vt_symbol}.{when.timestamp():.0f}", self.gateway_name,
                        "funding", -payment, "USDT", when, vt_symbol)
        return Changes(currencies={"USDT"}, positions={vt_symbol}, durable=True, flows=[flow],
                       logs=[tr("资金费结算 {symbol}：费率{rate:.4%}，{verb}{amount:.4f} USDT", symbol=vt_symbol,
                                rate=rate, verb=tr("支付") if payment > 0 else tr("收取"), amount=abs(payment))])

    def _check_liquidation(self, tick: TickData) -> Changes:
        holding = self.ledger.perps.get(tick.vt_symbol)
        if holding is None or not holding.qty:
            return Changes()
        mark = (tick.extra or {}).get("mark_price", tick.last_price)
        if holding.margin + holding.unrealised(mark) > 0.004 * abs(holding.qty) * mark:
            return Changes()
        loss = holding.margin
        self.ledger.cash["USDT"] -= loss
        holding.qty = holding.entry = holding.margin = 0.0
        return Changes(currencies={"USDT"}, positions={tick.vt_symbol}, durable=True,
                       logs=[tr("逐仓保证金不足，{symbol}已强制平仓，损失保证金{loss:.2f} USDT",
                                symbol=tick.vt_symbol, loss=loss)])

    # --- views ----------------------------------------------------------------------------
    def position_data(self, vt_symbol: str) -> PositionData:
        contract = self.contracts[vt_symbol]
        tick = self.ticks.get(vt_symbol)
        if markets.is_ashare(contract.exchange):
            h = self.ledger.stock(vt_symbol)
            last = tick.last_price if tick else h.cost
            position = PositionData(symbol=contract.symbol, exchange=contract.exchange, direction=Direction.LONG,
                                    volume=h.volume, frozen=h.frozen, price=h.price or h.cost,
                                    pnl=(last - h.cost) * h.volume, yd_volume=h.yd_volume,
                                    gateway_name=self.gateway_name)
            position.extra = {"cost": h.cost}      # what a share cost with its fees: the PnL's base
            return position
        p = self.ledger.perp(vt_symbol)
        mark = (tick.extra or {}).get("mark_price", tick.last_price) if tick else p.entry
        position = PositionData(symbol=contract.symbol, exchange=contract.exchange, direction=Direction.NET,
                                volume=p.qty, price=p.entry, pnl=p.unrealised(mark), gateway_name=self.gateway_name)
        position.extra = {"margin": p.margin, "liquidation_price": p.liquidation_price()}
        return position

    def account_data(self, currency: str) -> AccountData:
        """Balance is the total asset at the latest prices (as QMT reports it): cash plus the
        market value of shares, or wallet plus unrealised PnL for perpetuals."""
        frozen = self.ledger.frozen.get(currency, 0.0) + self.ledger.margin_in_use(currency)
        value = self.holdings_value(currency)
        account = AccountData(accountid=currency, balance=self.ledger.cash.get(currency, 0.0) + value, frozen=frozen,
                              gateway_name=self.gateway_name)
        account.available = self.ledger.available(currency)
        account.extra = {"market_value": value}
        return account

    def holdings_value(self, currency: str) -> float:
        def last(vt_symbol: str, fallback: float) -> float:
            tick = self.ticks.get(vt_symbol)
            return (tick.extra or {}).get("mark_price", tick.last_price) if tick else fallback

        if currency == "CNY":
            return sum(h.volume * last(k, h.cost) for k, h in self.ledger.stocks.items() if h.volume)
        return sum(p.unrealised(last(k, p.entry)) for k, p in self.ledger.perps.items() if p.qty)

    def _day(self, moment: datetime | None) -> date:
        return (moment or datetime.now(CHINA_TZ)).astimezone(CHINA_TZ).date()

    # --- persistence --------------------------------------------------------------------
    def snapshot(self) -> dict:
        """The book without the day's finished orders and trades (the journal holds those), so
        its size does not grow with the day."""
        return {
            "ledger": self.ledger.to_dict(),
            "trading_day": self.trading_day.isoformat() if self.trading_day else None,
            "orders": [_order_to_dict(w.order) for w in self.working.values()],
            "working": {k: [w.frozen, w.freeze_price, w.commission, w.turnover] for k, w in self.working.items()},
            "seq": [self.order_seq, self.trade_seq],
        }

    def restore(self, data: dict, orders: list[OrderData] = (), trades: list[TradeData] = ()) -> None:
        """The saved book, with the day's orders and trades as the journal has them."""
        ledger = Ledger.from_dict(data["ledger"])
        problem = ledger.problem()
        if problem:
            raise ValueError(problem)
        self.ledger = ledger
        self.trading_day = date.fromisoformat(data["trading_day"]) if data["trading_day"] else None
        self.orders = {o.vt_orderid: o for o in orders}
        for raw in data["orders"]:
            order = _order_from_dict(raw, self.gateway_name)
            self.orders[order.vt_orderid] = order
        self.working = {k: WorkingOrder(self.orders[k], *v) for k, v in data["working"].items() if k in self.orders}
        self.trades = list(trades)
        known = {t.vt_tradeid for t in self.trades}
        for raw in data.get("trades", []):    # a book saved by an older version kept its trades
            trade = _trade_from_dict(raw, self.gateway_name)
            if trade.vt_tradeid not in known:
                self.trades.append(trade)
        self.order_seq, self.trade_seq = data["seq"]

    def continue_ids_after(self, order_id: str, trade_id: str, day: date) -> None:
        """Never hand out an id the journal already holds, even when the saved book was lost."""
        prefix = f"{day:%y%m%d}"
        for text, attribute in ((order_id, "order_seq"), (trade_id, "trade_seq")):
            if text.startswith(prefix) and text[len(prefix):].isdigit():
                setattr(self, attribute, max(getattr(self, attribute), int(text[len(prefix):])))


def _levels(tick: TickData, buy: bool) -> list[tuple[float, float]]:
    side = "ask" if buy else "bid"
    levels = []
    for i in range(1, 6):
        price = getattr(tick, f"{side}_price_{i}")
        size = getattr(tick, f"{side}_volume_{i}")
        if price > 0 and size > 0:
            levels.append((price, size))
    return levels


def _copy(order: OrderData) -> OrderData:
    """A frozen view of the order for publishing; the venue keeps mutating its own."""
    clone = copy(order)
    clone.extra = dict(order.extra) if order.extra else None
    return clone


def _order_to_dict(o: OrderData) -> dict:
    return {"symbol": o.symbol, "exchange": o.exchange.value, "orderid": o.orderid, "type": o.type.name,
            "direction": o.direction.name, "offset": o.offset.name, "price": o.price, "volume": o.volume,
            "traded": o.traded, "status": o.status.name, "datetime": o.datetime.isoformat(),
            "reference": o.reference, "extra": dict(o.extra) if o.extra else o.extra}


def _order_from_dict(d: dict, gateway_name: str) -> OrderData:
    order = OrderData(gateway_name=gateway_name, symbol=d["symbol"], exchange=Exchange(d["exchange"]),
                      orderid=d["orderid"], type=OrderType[d["type"]], direction=Direction[d["direction"]],
                      offset=Offset[d["offset"]], price=d["price"], volume=d["volume"], traded=d["traded"],
                      status=Status[d["status"]], datetime=datetime.fromisoformat(d["datetime"]),
                      reference=d["reference"])
    order.extra = d.get("extra")
    return order


def _trade_from_dict(d: dict, gateway_name: str) -> TradeData:
    trade = TradeData(gateway_name=gateway_name, symbol=d["symbol"], exchange=Exchange(d["exchange"]),
                      orderid=d["orderid"], tradeid=d["tradeid"], direction=Direction[d["direction"]],
                      offset=Offset[d["offset"]], price=d["price"], volume=d["volume"],
                      datetime=datetime.fromisoformat(d["datetime"]))
    trade.extra = d.get("extra")
    return trade


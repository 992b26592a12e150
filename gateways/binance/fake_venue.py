"""The matching engine and ledger behind the loopback Binance (testing.py): USDT-M perpetuals in
cross margin, one-way or hedge mode, as Binance's USD-M documentation describes them. Pure: no
sockets, no threads; every change returns the user-data events Binance would push.

It keeps its own arithmetic on purpose (entry price, realised PnL, commission): a fake that
borrowed the gateway's code would agree with whatever the gateway computes."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Symbol:
    symbol: str
    tick: str = "0.10"
    step: str = "0.001"
    min_qty: str = "0.001"
    min_notional: str = "100"
    status: str = "TRADING"
    contract_type: str = "PERPETUAL"
    underlying_type: str = "COIN"             # TradFi perpetuals: "EQUITY" / "COMMODITY"
    max_leverage: int = 125
    bid: float = 0.0
    ask: float = 0.0
    depth_qty: float = 50.0                   # at the best level, each side
    mark: float = 0.0
    index: float = 0.0
    funding_rate: float = 0.0001
    open_interest: float = 10_000.0
    quote_volume: float = 1e9
    change_percent: float = 0.0
    update_id: int = 1
    fees: tuple[float, float] | None = None    # (maker, taker) when this symbol is not charged the account's rate


@dataclass
class Order:
    order_id: int
    client_id: str
    symbol: str
    side: str
    position_side: str
    type: str
    time_in_force: str
    price: float
    qty: float
    reduce_only: bool
    stop_price: float = 0.0
    executed: float = 0.0
    cum_quote: float = 0.0
    status: str = "NEW"
    time: int = 0
    update_time: int = 0

    @property
    def avg_price(self) -> float:
        return self.cum_quote / self.executed if self.executed else 0.0

    def rest(self) -> dict:
        """The REST shape (GET/POST /fapi/v1/order)."""
        return {"orderId": self.order_id, "symbol": self.symbol, "status": self.status, "clientOrderId": self.client_id,
                "price": _s(self.price), "avgPrice": _s(self.avg_price), "origQty": _s(self.qty),
                "executedQty": _s(self.executed), "cumQuote": _s(self.cum_quote), "timeInForce": self.time_in_force,
                "type": self.type, "origType": self.type, "reduceOnly": self.reduce_only, "closePosition": False,
                "side": self.side, "positionSide": self.position_side, "stopPrice": _s(self.stop_price),
                "workingType": "CONTRACT_PRICE", "priceProtect": False, "priceMatch": "NONE",
                "selfTradePreventionMode": "EXPIRE_MAKER", "goodTillDate": 0, "time": self.time,
                "updateTime": self.update_time}


@dataclass
class Position:
    amount: float = 0.0            # signed in one-way mode; >= 0 for LONG, <= 0 for SHORT in hedge mode
    entry: float = 0.0


@dataclass
class Account:
    wallet: float
    hedge_mode: bool = False
    leverage: dict[str, int] = field(default_factory=dict)
    margin_type: dict[str, str] = field(default_factory=dict)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    trades: list[dict] = field(default_factory=list)
    income: list[dict] = field(default_factory=list)      # GET /fapi/v1/income rows, oldest first
    maker_fee: float = 0.0002
    taker_fee: float = 0.0005


class VenueError(Exception):
    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


class Venue:
    def __init__(self, symbols: list[Symbol], wallet: float = 10_000.0) -> None:
        self.symbols = {s.symbol: s for s in symbols}
        self.account = Account(wallet)
        self.order_ids = itertools.count(8_000_000_001)
        self.trade_ids = itertools.count(500_000_001)
        self.tran_ids = itertools.count(9_100_000_001)
        self.now_ms = 0

    # --- orders --------------------------------------------------------------------------------
    def place(self, params: dict, now_ms: int) -> tuple[Order, list[dict]]:
        self.now_ms = now_ms
        spec = self.symbols.get(params.get("symbol", ""))
        if spec is None or spec.status != "TRADING":
            raise VenueError(-1121, "Invalid symbol.")
        client_id = params.get("newClientOrderId") or f"web_{next(self.order_ids)}"
        if any(o.client_id == client_id and o.status in ("NEW", "PARTIALLY_FILLED")
               for o in self.account.orders.values()):
            raise VenueError(-4116, "ClientOrderId is duplicated.")
        kind = params.get("type", "")
        if kind in ("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT", "TRAILING_STOP_MARKET"):
            raise VenueError(-4120, "Order type not supported for this endpoint. Please use the Algo Order API.")
        if kind not in ("LIMIT", "MARKET"):
            raise VenueError(-1116, "Invalid orderType.")
        position_side = params.get("positionSide", "BOTH")
        if self.account.hedge_mode == (position_side == "BOTH"):
            raise VenueError(-4061, "Order's position side does not match user's setting.")
        qty, price = float(params.get("quantity", 0)), float(params.get("price", 0) or 0)
        if qty <= 0 or not _multiple(qty, spec.step) or qty < float(spec.min_qty):
            raise VenueError(-1111, "Precision is over the maximum defined for this asset.")
        if kind == "LIMIT" and not _multiple(price, spec.tick):
            raise VenueError(-1111, "Precision is over the maximum defined for this asset.")
        reference = price if kind == "LIMIT" else (spec.ask if params["side"] == "BUY" else spec.bid)
        reduce_only = str(params.get("reduceOnly", "false")).lower() == "true"
        if not reduce_only and qty * reference < float(spec.min_notional):
            raise VenueError(-4164, f"Order's notional must be no smaller than {spec.min_notional} "
                                    "(unless you choose reduce only).")
        if reduce_only and self._reducible(params["symbol"], params["side"], position_side) < qty:
            raise VenueError(-2022, "ReduceOnly Order is rejected.")
        leverage = self.account.leverage.get(spec.symbol, 20)
        if not reduce_only and qty * reference / leverage > self.available():
            raise VenueError(-2019, "Margin is insufficient.")
        tif = params.get("timeInForce", "GTC") if kind == "LIMIT" else "GTC"
        order = Order(next(self.order_ids), client_id, spec.symbol, params["side"], position_side, kind, tif,
                      price if kind == "LIMIT" else 0.0, qty, reduce_only, time=now_ms, update_time=now_ms)
        if tif == "GTX" and self._crosses(order, spec):
            order.status = "EXPIRED"       # post-only that would take: Binance expires it
            self.account.orders[order.order_id] = order
            return order, [self._order_event(order, "EXPIRED")]
        self.account.orders[order.order_id] = order
        events = [self._order_event(order, "NEW")]
        events += self._match(order, spec, maker=False)
        if order.status in ("NEW", "PARTIALLY_FILLED") and (kind == "MARKET" or tif in ("IOC", "FOK")):
            order.status = "EXPIRED"
            events.append(self._order_event(order, "EXPIRED"))
        return order, events

    def cancel(self, symbol: str, order_id: int | None, client_id: str | None, now_ms: int) -> tuple[Order, list[dict]]:
        self.now_ms = now_ms
        order = self.find(symbol, order_id, client_id)
        if order.status not in ("NEW", "PARTIALLY_FILLED"):
            raise VenueError(-2011, "Unknown order sent.")
        order.status, order.update_time = "CANCELED", now_ms
        return order, [self._order_event(order, "CANCELED")]

    def find(self, symbol: str, order_id: int | None, client_id: str | None) -> Order:
        for order in self.account.orders.values():
            if order.symbol == symbol and (order.order_id == order_id or (client_id and order.client_id == client_id)):
                return order
        raise VenueError(-2013, "Order does not exist.")

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self.account.orders.values()
                if o.status in ("NEW", "PARTIALLY_FILLED") and (symbol is None or o.symbol == symbol)]

    # --- the market ------------------------------------------------------------------------------
    def set_book(self, symbol: str, bid: float, ask: float, now_ms: int) -> list[dict]:
        """Move the best prices; resting orders that now cross fill. Returns user events."""
        self.now_ms = now_ms
        spec = self.symbols[symbol]
        spec.bid, spec.ask, spec.mark = bid, ask, (bid + ask) / 2
        spec.index = spec.mark
        spec.update_id += 1
        events = []
        for order in sorted(self.open_orders(symbol), key=lambda o: o.order_id):
            events += self._match(order, spec, maker=True)
        return events

    def _crosses(self, order: Order, spec: Symbol) -> bool:
        if order.type == "MARKET":
            return True
        return order.price >= spec.ask if order.side == "BUY" else order.price <= spec.bid

    def _match(self, order: Order, spec: Symbol, maker: bool) -> list[dict]:
        if not self._crosses(order, spec) or order.status not in ("NEW", "PARTIALLY_FILLED"):
            return []
        remaining = order.qty - order.executed
        if order.time_in_force == "FOK" and remaining > spec.depth_qty + 1e-12:
            return []
        price = spec.ask if order.side == "BUY" else spec.bid
        qty = min(remaining, spec.depth_qty)
        if order.reduce_only:
            qty = min(qty, self._reducible(order.symbol, order.side, order.position_side))
            if qty <= 0:
                order.status = "EXPIRED"
                return [self._order_event(order, "EXPIRED")]
        return self.fill(order, _round_step(qty, spec.step), price, maker)

    def fill(self, order: Order, qty: float, price: float, maker: bool = False) -> list[dict]:
        """One trade of `qty` at `price`: the position, the wallet and two user events."""
        account = self.account
        maker_fee, taker_fee = self.fee_rates(order.symbol)
        fee = qty * price * (maker_fee if maker else taker_fee)
        realised = self._move_position(order, qty, price)
        account.wallet += realised - fee
        order.executed = round(order.executed + qty, 12)
        order.cum_quote += qty * price
        order.status = "FILLED" if order.executed >= order.qty - 1e-12 else "PARTIALLY_FILLED"
        order.update_time = self.now_ms
        trade = {"symbol": order.symbol, "id": next(self.trade_ids), "orderId": order.order_id, "side": order.side,
                 "price": _s(price), "qty": _s(qty), "realizedPnl": _s(realised), "quoteQty": _s(qty * price),
                 "commission": _s(fee), "commissionAsset": "USDT", "time": self.now_ms,
                 "positionSide": order.position_side, "buyer": order.side == "BUY", "maker": maker}
        account.trades.append(trade)
        if realised:
            self._income(order.symbol, "REALIZED_PNL", realised, str(trade["id"]))
        self._income(order.symbol, "COMMISSION", -fee, str(trade["id"]))
        return [self._order_event(order, "TRADE", trade), self.account_event("ORDER")]

    def fee_rates(self, symbol: str) -> tuple[float, float]:
        own = self.symbols[symbol].fees
        return own if own is not None else (self.account.maker_fee, self.account.taker_fee)

    def settle_funding(self, now_ms: int) -> list[dict]:
        """A funding time: every open position pays (long, positive rate) or receives its notional at
        the mark price times the symbol's rate; one ACCOUNT_UPDATE (reason FUNDING_FEE) says so."""
        self.now_ms = now_ms
        paid = 0.0
        for (symbol, _), position in self.account.positions.items():
            if not position.amount:
                continue
            spec = self.symbols[symbol]
            amount = -position.amount * spec.mark * spec.funding_rate
            self.account.wallet += amount
            paid += amount
            self._income(symbol, "FUNDING_FEE", amount, "")
        if not paid:
            return []
        event = self.account_event("FUNDING_FEE")
        event["a"]["B"][0]["bc"] = _s(paid)
        return [event]

    def _income(self, symbol: str, kind: str, amount: float, trade_id: str) -> None:
        self.account.income.append({"symbol": symbol, "incomeType": kind, "income": _s(amount), "asset": "USDT",
                                    "info": kind, "time": self.now_ms, "tranId": next(self.tran_ids),
                                    "tradeId": trade_id})

    def _move_position(self, order: Order, qty: float, price: float) -> float:
        key = (order.symbol, order.position_side)
        position = self.account.positions.setdefault(key, Position())
        signed = qty if order.side == "BUY" else -qty
        realised = 0.0
        if position.amount and (position.amount > 0) != (signed > 0):
            closing = min(abs(signed), abs(position.amount))
            direction = 1 if position.amount > 0 else -1
            realised = closing * (price - position.entry) * direction
            position.amount -= direction * closing
            signed += direction * closing
            if abs(position.amount) < 1e-12:
                position.amount, position.entry = 0.0, 0.0
        if abs(signed) > 1e-12:
            total = abs(position.amount) + abs(signed)
            position.entry = (position.entry * abs(position.amount) + price * abs(signed)) / total
            position.amount += signed
        return realised

    def _reducible(self, symbol: str, side: str, position_side: str) -> float:
        position = self.account.positions.get((symbol, position_side), Position())
        if side == "SELL":
            return max(position.amount, 0.0)
        return max(-position.amount, 0.0)

    # --- account -------------------------------------------------------------------------------------
    def unrealised(self) -> float:
        return sum(p.amount * (self.symbols[s].mark - p.entry) for (s, _), p in self.account.positions.items())

    def margin_used(self) -> float:
        return sum(abs(p.amount) * self.symbols[s].mark / self.account.leverage.get(s, 20) for (s, _), p in
                   self.account.positions.items()) + sum(
            (o.qty - o.executed) * o.price / self.account.leverage.get(o.symbol, 20) for o in self.open_orders())

    def available(self) -> float:
        return self.account.wallet + self.unrealised() - self.margin_used()

    def position_rows(self) -> list[dict]:
        """GET /fapi/v3/positionRisk: only symbols with a position (or open orders)."""
        rows = []
        for (symbol, side), p in self.account.positions.items():
            if not p.amount:
                continue
            spec = self.symbols[symbol]
            leverage = self.account.leverage.get(symbol, 20)
            notional = p.amount * spec.mark
            rows.append({"symbol": symbol, "positionSide": side, "positionAmt": _s(p.amount),
                         "entryPrice": _s(p.entry), "breakEvenPrice": _s(p.entry), "markPrice": _s(spec.mark),
                         "unRealizedProfit": _s(p.amount * (spec.mark - p.entry)), "liquidationPrice": "0",
                         "isolatedMargin": "0", "notional": _s(notional), "marginAsset": "USDT",
                         "isolatedWallet": "0", "initialMargin": _s(abs(notional) / leverage),
                         "maintMargin": _s(abs(notional) * 0.004),
                         "positionInitialMargin": _s(abs(notional) / leverage),
                         "openOrderInitialMargin": "0", "adl": 1, "bidNotional": "0", "askNotional": "0",
                         "leverage": str(leverage), "marginType": self.account.margin_type.get(symbol, "cross"),
                         "updateTime": self.now_ms})
        return rows

    def account_event(self, reason: str) -> dict:
        positions = [{"s": s, "pa": _s(p.amount), "ep": _s(p.entry), "bep": _s(p.entry), "cr": "0",
                      "up": _s(p.amount * (self.symbols[s].mark - p.entry)), "mt": "cross", "iw": "0", "ps": side}
                     for (s, side), p in self.account.positions.items()]
        return {"e": "ACCOUNT_UPDATE", "E": self.now_ms, "T": self.now_ms,
                "a": {"m": reason, "B": [{"a": "USDT", "wb": _s(self.account.wallet), "cw": _s(self.account.wallet),
                                          "bc": "0"}], "P": positions}}

    def _order_event(self, order: Order, execution: str, trade: dict | None = None) -> dict:
        trade = trade or {}
        return {"e": "ORDER_TRADE_UPDATE", "E": self.now_ms, "T": self.now_ms, "o": {
            "s": order.symbol, "c": order.client_id, "S": order.side, "o": order.type, "f": order.time_in_force,
            "q": _s(order.qty), "p": _s(order.price), "ap": _s(order.avg_price), "sp": _s(order.stop_price),
            "x": execution, "X": order.status, "i": order.order_id, "l": trade.get("qty", "0"),
            "z": _s(order.executed), "L": trade.get("price", "0"), "N": "USDT", "n": trade.get("commission", "0"),
            "T": self.now_ms, "t": trade.get("id", 0), "b": "0", "a": "0", "m": trade.get("maker", False),
            "R": order.reduce_only, "wt": "CONTRACT_PRICE", "ot": order.type, "ps": order.position_side,
            "cp": False, "rp": trade.get("realizedPnl", "0"), "pP": False, "si": 0, "ss": 0, "V": "EXPIRE_MAKER",
            "pm": "NONE", "gtd": 0}}


def _s(value: float) -> str:
    """Binance sends numbers as strings."""
    return format(Decimal(repr(float(value))).normalize(), "f")


def _multiple(value: float, step: str) -> bool:
    ratio = Decimal(repr(value)) / Decimal(step)
    return ratio == ratio.to_integral_value()


def _round_step(qty: float, step: str) -> float:
    unit = Decimal(step)
    return float((Decimal(repr(qty)) / unit).to_integral_value(rounding="ROUND_FLOOR") * unit)

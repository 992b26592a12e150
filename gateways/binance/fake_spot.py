"""The spot half of the loopback Binance: matching and balances as Binance's spot API documents
them. Pure: no sockets, no threads; every change returns the user-data events Binance pushes
(executionReport, outboundAccountPosition).

Spot rules kept here: an order locks what it may spend (the quote for a buy, the base for a
sell) and is refused with -2010 when the free balance is short; LIMIT_MAKER is refused when it
would take; IOC/FOK and market orders never rest; commission is charged in the asset received.
Its own arithmetic on purpose, like fake_venue.py."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from .fake_venue import VenueError, _multiple, _s

SPOT_FEES = (0.001, 0.001)          # VIP 0 maker, taker


@dataclass
class SpotSymbol:
    symbol: str
    base: str
    quote: str = "USDT"
    tick: str = "0.01"
    step: str = "0.00001"
    min_qty: str = "0.00001"
    min_notional: str = "5"
    status: str = "TRADING"
    bid: float = 0.0
    ask: float = 0.0
    depth_qty: float = 20.0
    update_id: int = 1


@dataclass
class SpotOrder:
    order_id: int
    client_id: str
    symbol: str
    side: str
    type: str
    time_in_force: str
    price: float
    qty: float
    executed: float = 0.0
    cum_quote: float = 0.0
    locked: float = 0.0               # what it still holds of the balance it spends
    status: str = "NEW"
    time: int = 0
    update_time: int = 0

    def rest(self) -> dict:
        return {"symbol": self.symbol, "orderId": self.order_id, "orderListId": -1, "clientOrderId": self.client_id,
                "price": _s(self.price), "origQty": _s(self.qty), "executedQty": _s(self.executed),
                "cummulativeQuoteQty": _s(self.cum_quote), "status": self.status, "timeInForce": self.time_in_force,
                "type": self.type, "side": self.side, "stopPrice": "0", "icebergQty": "0", "time": self.time,
                "updateTime": self.update_time, "workingTime": self.time, "isWorking": self.status == "NEW",
                "origQuoteOrderQty": "0", "selfTradePreventionMode": "EXPIRE_MAKER"}


@dataclass
class SpotAccount:
    balances: dict[str, list[float]] = field(default_factory=dict)     # asset -> [free, locked]
    orders: dict[int, SpotOrder] = field(default_factory=dict)
    trades: list[dict] = field(default_factory=list)


class SpotVenue:
    def __init__(self, symbols: list[SpotSymbol], balances: dict[str, float]) -> None:
        self.symbols = {s.symbol: s for s in symbols}
        self.account = SpotAccount({asset: [amount, 0.0] for asset, amount in balances.items()})
        self.ids = itertools.count(5_000_001)
        self.trade_ids = itertools.count(700_001)
        self.now_ms = 0

    # --- orders -------------------------------------------------------------------------------
    def place(self, params: dict, now_ms: int) -> tuple[SpotOrder, list[dict]]:
        self.now_ms = now_ms
        spec = self.symbols.get(params.get("symbol", ""))
        if spec is None or spec.status != "TRADING":
            raise VenueError(-1121, "Invalid symbol.")
        side, kind = params.get("side", ""), params.get("type", "")
        if kind not in ("LIMIT", "MARKET", "LIMIT_MAKER"):
            raise VenueError(-1116, "Invalid orderType.")
        qty, price = float(params.get("quantity", 0) or 0), float(params.get("price", 0) or 0)
        client_id = params.get("newClientOrderId") or f"web_{next(self.ids)}"
        if any(o.client_id == client_id and o.status in ("NEW", "PARTIALLY_FILLED")
               for o in self.account.orders.values()):
            raise VenueError(-2010, "Duplicate order sent.")
        if qty < float(spec.min_qty) or not _multiple(qty, spec.step):
            raise VenueError(-1013, "Filter failure: LOT_SIZE")
        if kind != "MARKET" and (price <= 0 or not _multiple(price, spec.tick)):
            raise VenueError(-1013, "Filter failure: PRICE_FILTER")
        reference = price if kind != "MARKET" else (spec.ask if side == "BUY" else spec.bid)
        if qty * reference < float(spec.min_notional):
            raise VenueError(-1013, "Filter failure: NOTIONAL")
        crosses = (side == "BUY" and spec.ask and price >= spec.ask) or (side == "SELL" and spec.bid and
                                                                          price <= spec.bid)
        if kind == "LIMIT_MAKER" and crosses:
            raise VenueError(-2010, "Order would immediately match and take.")
        spend, amount = (spec.quote, qty * reference) if side == "BUY" else (spec.base, qty)
        free = self.account.balances.setdefault(spend, [0.0, 0.0])
        if free[0] + 1e-12 < amount:
            raise VenueError(-2010, "Account has insufficient balance for requested action.")
        tif = params.get("timeInForce", "GTC") if kind == "LIMIT" else "GTC"
        order = SpotOrder(next(self.ids), client_id, spec.symbol, side, kind, tif, price if kind != "MARKET" else 0.0,
                          qty, locked=amount, time=now_ms, update_time=now_ms)
        free[0] -= amount
        free[1] += amount
        self.account.orders[order.order_id] = order
        events = [self._report(order, "NEW"), self.balance_event([spend])]      # the lock moves the balance
        if kind == "MARKET" or crosses:
            events += self._take(order, spec)
        if order.status in ("NEW", "PARTIALLY_FILLED") and (kind == "MARKET" or tif in ("IOC", "FOK")):
            events += self._end(order, "EXPIRED")
        return order, events

    def _take(self, order: SpotOrder, spec: SpotSymbol) -> list[dict]:
        price = spec.ask if order.side == "BUY" else spec.bid
        if order.time_in_force == "FOK" and order.qty > spec.depth_qty:
            return []
        return self.fill(order, min(order.qty, spec.depth_qty), price, maker=False)

    def cancel(self, symbol: str, order_id: int | None, client_id: str | None, now_ms: int,
               cancel_client_id: str = "") -> tuple[SpotOrder, list[dict]]:
        self.now_ms = now_ms
        order = self.find(symbol, order_id, client_id)
        if order.status not in ("NEW", "PARTIALLY_FILLED"):
            raise VenueError(-2011, "Unknown order sent.")
        return order, self._end(order, "CANCELED", cancel_client_id or f"cancel_{next(self.ids)}")

    def find(self, symbol: str, order_id: int | None, client_id: str | None) -> SpotOrder:
        for order in self.account.orders.values():
            if order.symbol == symbol and (order.order_id == order_id or (client_id and order.client_id == client_id)):
                return order
        raise VenueError(-2013, "Order does not exist.")

    def open_orders(self, symbol: str | None = None) -> list[SpotOrder]:
        return [o for o in self.account.orders.values()
                if o.status in ("NEW", "PARTIALLY_FILLED") and (symbol is None or o.symbol == symbol)]

    def set_book(self, symbol: str, bid: float, ask: float, now_ms: int) -> list[dict]:
        """New best prices; resting orders that now cross fill as makers at their own price."""
        self.now_ms = now_ms
        spec = self.symbols[symbol]
        spec.bid, spec.ask = bid, ask
        spec.update_id += 1
        events: list[dict] = []
        for order in self.open_orders(symbol):
            if (order.side == "BUY" and ask <= order.price) or (order.side == "SELL" and bid >= order.price):
                events += self.fill(order, order.qty - order.executed, order.price, maker=True)
        return events

    def fill(self, order: SpotOrder, qty: float, price: float, maker: bool = False) -> list[dict]:
        spec = self.symbols[order.symbol]
        qty = min(qty, order.qty - order.executed)
        if qty <= 0:
            return []
        rate = SPOT_FEES[0] if maker else SPOT_FEES[1]
        quote = qty * price
        balances = self.account.balances
        if order.side == "BUY":
            spent = min(quote, order.locked)
            balances[spec.quote][1] -= spent
            order.locked -= spent
            received, fee_asset = qty, spec.base
        else:
            balances[spec.base][1] -= qty
            order.locked -= qty
            received, fee_asset = quote, spec.quote
        commission = received * rate
        balances.setdefault(fee_asset, [0.0, 0.0])[0] += received - commission
        order.executed += qty
        order.cum_quote += quote
        order.update_time = self.now_ms
        order.status = "FILLED" if order.executed >= order.qty - 1e-12 else "PARTIALLY_FILLED"
        if order.status == "FILLED" and order.locked > 0:      # a buy that paid less than it locked
            self._unlock(order)
        trade = {"symbol": order.symbol, "id": next(self.trade_ids), "orderId": order.order_id, "orderListId": -1,
                 "price": _s(price), "qty": _s(qty), "quoteQty": _s(quote), "commission": _s(commission),
                 "commissionAsset": fee_asset, "time": self.now_ms, "isBuyer": order.side == "BUY",
                 "isMaker": maker, "isBestMatch": True}
        self.account.trades.append(trade)
        return [self._report(order, "TRADE", trade), self.balance_event([spec.base, spec.quote])]

    def _end(self, order: SpotOrder, status: str, cancel_client_id: str = "") -> list[dict]:
        order.status = status
        order.update_time = self.now_ms
        self._unlock(order)
        return [self._report(order, status, None, cancel_client_id),
                self.balance_event(list({self._spent(order)}))]

    def _spent(self, order: SpotOrder) -> str:
        spec = self.symbols[order.symbol]
        return spec.quote if order.side == "BUY" else spec.base

    def _unlock(self, order: SpotOrder) -> None:
        row = self.account.balances[self._spent(order)]
        row[1] -= order.locked
        row[0] += order.locked
        order.locked = 0.0

    # --- answers and events ----------------------------------------------------------------------
    def account_rows(self) -> list[dict]:
        return [{"asset": asset, "free": _s(free), "locked": _s(locked)}
                for asset, (free, locked) in sorted(self.account.balances.items())]

    def balance_event(self, assets: list[str]) -> dict:
        return {"e": "outboundAccountPosition", "E": self.now_ms, "u": self.now_ms,
                "B": [{"a": a, "f": _s(self.account.balances.get(a, [0, 0])[0]),
                       "l": _s(self.account.balances.get(a, [0, 0])[1])} for a in assets]}

    def _report(self, order: SpotOrder, execution: str, trade: dict | None = None, cancel_client_id: str = "") -> dict:
        """executionReport: on a cancel `c` is the cancel request's id and `C` the order's own."""
        return {"e": "executionReport", "E": self.now_ms, "s": order.symbol,
                "c": cancel_client_id or order.client_id, "C": order.client_id if cancel_client_id else "",
                "S": order.side, "o": order.type, "f": order.time_in_force, "q": _s(order.qty),
                "p": _s(order.price), "P": "0", "F": "0", "g": -1, "x": execution, "X": order.status,
                "r": "NONE", "i": order.order_id, "l": trade["qty"] if trade else "0",
                "z": _s(order.executed), "L": trade["price"] if trade else "0",
                "n": trade["commission"] if trade else "0", "N": trade["commissionAsset"] if trade else None,
                "T": self.now_ms, "t": trade["id"] if trade else -1, "w": order.status == "NEW",
                "m": bool(trade and trade["isMaker"]), "O": order.time, "Z": _s(order.cum_quote),
                "Y": trade["quoteQty"] if trade else "0", "Q": "0", "W": order.time, "V": "EXPIRE_MAKER"}

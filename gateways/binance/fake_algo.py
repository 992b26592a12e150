"""Conditional orders on the loopback Binance's Algo Order API (POST/DELETE/GET
/fapi/v1/algoOrder, GET /fapi/v1/openAlgoOrders), the only place Binance takes STOP_MARKET and
TAKE_PROFIT_MARKET since December 2025. When the price reaches the trigger, a market order with
the same client id enters the matching engine (fake_venue.Venue) and ALGO_UPDATE reports
TRIGGERED (with the actual order id), then FINISHED."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from .fake_venue import Venue, VenueError, _s

KINDS = ("STOP_MARKET", "TAKE_PROFIT_MARKET")


@dataclass
class AlgoOrder:
    algo_id: int
    client_id: str
    symbol: str
    side: str
    position_side: str
    type: str
    qty: float
    trigger: float
    reduce_only: bool
    time: int
    status: str = "NEW"
    actual_id: str = ""
    executed: float = 0.0
    avg_price: float = 0.0
    reason: str = ""
    update_time: int = 0

    def rest(self) -> dict:
        return {"algoId": self.algo_id, "clientAlgoId": self.client_id, "algoType": "CONDITIONAL",
                "orderType": self.type, "symbol": self.symbol, "side": self.side, "positionSide": self.position_side,
                "timeInForce": "GTC", "quantity": _s(self.qty), "algoStatus": self.status,
                "triggerPrice": _s(self.trigger), "price": "0", "icebergQuantity": None,
                "selfTradePreventionMode": "EXPIRE_MAKER", "workingType": "CONTRACT_PRICE", "priceMatch": "NONE",
                "closePosition": False, "priceProtect": False, "reduceOnly": self.reduce_only,
                "createTime": self.time, "updateTime": self.update_time or self.time, "triggerTime": 0,
                "goodTillDate": 0, "actualOrderId": self.actual_id, "executedQty": _s(self.executed),
                "avgPrice": _s(self.avg_price)}

    def event(self, now_ms: int) -> dict:
        return {"e": "ALGO_UPDATE", "T": now_ms, "E": now_ms, "o": {
            "caid": self.client_id, "aid": self.algo_id, "at": "CONDITIONAL", "o": self.type, "s": self.symbol,
            "S": self.side, "ps": self.position_side, "f": "GTC", "q": _s(self.qty), "X": self.status,
            "ai": self.actual_id, "ap": _s(self.avg_price), "aq": _s(self.executed), "act": "MARKET" if self.actual_id
            else "0", "tp": _s(self.trigger), "p": "0", "V": "EXPIRE_MAKER", "wt": "CONTRACT_PRICE", "pm": "NONE",
            "cp": False, "pP": False, "R": self.reduce_only, "tt": 0, "gtd": 0, "rm": self.reason}}


class AlgoBook:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self.orders: dict[int, AlgoOrder] = {}
        self.ids = itertools.count(3_000_001)

    def place(self, params: dict, now_ms: int) -> tuple[AlgoOrder, list[dict]]:
        spec = self.venue.symbols.get(params.get("symbol", ""))
        if spec is None or spec.status != "TRADING":
            raise VenueError(-1121, "Invalid symbol.")
        if params.get("algoType") != "CONDITIONAL" or params.get("type") not in KINDS:
            raise VenueError(-1116, "Invalid orderType.")
        trigger = float(params.get("triggerPrice") or 0)
        if trigger <= 0:
            raise VenueError(-1102, "Mandatory parameter 'triggerPrice' was not sent, was empty/null, or malformed.")
        client_id = params.get("clientAlgoId") or f"algo_{next(self.ids)}"
        if any(a.client_id == client_id and a.status == "NEW" for a in self.orders.values()):
            raise VenueError(-4116, "ClientOrderId is duplicated.")
        position_side = params.get("positionSide", "BOTH")
        if self.venue.account.hedge_mode == (position_side == "BOTH"):
            raise VenueError(-4061, "Order's position side does not match user's setting.")
        algo = AlgoOrder(next(self.ids), client_id, spec.symbol, params["side"], position_side, params["type"],
                         float(params.get("quantity", 0)), trigger,
                         str(params.get("reduceOnly", "false")).lower() == "true", now_ms)
        if spec.bid and self._reached(algo):
            raise VenueError(-2021, "Order would immediately trigger.")
        self.orders[algo.algo_id] = algo
        return algo, [algo.event(now_ms)]

    def find(self, algo_id: int | None, client_id: str | None) -> AlgoOrder:
        for algo in self.orders.values():
            if algo.algo_id == algo_id or (client_id and algo.client_id == client_id):
                return algo
        raise VenueError(-2013, "Order does not exist.")

    def cancel(self, algo_id: int | None, client_id: str | None, now_ms: int) -> tuple[AlgoOrder, list[dict]]:
        algo = self.find(algo_id, client_id)
        if algo.status != "NEW":
            raise VenueError(-2011, "Unknown order sent.")
        algo.status, algo.update_time = "CANCELED", now_ms
        return algo, [algo.event(now_ms)]

    def open(self, symbol: str | None = None) -> list[AlgoOrder]:
        return [a for a in self.orders.values() if a.status == "NEW" and (symbol is None or a.symbol == symbol)]

    def on_prices(self, symbol: str, now_ms: int) -> list[dict]:
        """Trigger what the new best prices reach: a stop buys when the ask rises to it and sells
        when the bid falls to it; a take-profit the other way round."""
        events: list[dict] = []
        for algo in self.open(symbol):
            if self._reached(algo):
                events += self._trigger(algo, now_ms)
        return events

    def _reached(self, algo: AlgoOrder) -> bool:
        spec = self.venue.symbols[algo.symbol]
        price = spec.ask if algo.side == "BUY" else spec.bid
        rising = algo.side == "BUY" if algo.type == "STOP_MARKET" else algo.side == "SELL"
        return price >= algo.trigger if rising else price <= algo.trigger

    def _trigger(self, algo: AlgoOrder, now_ms: int) -> list[dict]:
        params = {"symbol": algo.symbol, "side": algo.side, "type": "MARKET", "quantity": repr(algo.qty),
                  "positionSide": algo.position_side, "newClientOrderId": algo.client_id,
                  "reduceOnly": "true" if algo.reduce_only else "false"}
        algo.update_time = now_ms
        try:
            order, order_events = self.venue.place(params, now_ms)
        except VenueError as error:
            algo.status, algo.reason = "REJECTED", error.msg
            return [algo.event(now_ms)]
        algo.status, algo.actual_id = "TRIGGERED", str(order.order_id)
        events = [algo.event(now_ms), *order_events]
        algo.executed, algo.avg_price, algo.status = order.executed, order.avg_price, "FINISHED"
        return [*events, algo.event(now_ms)]

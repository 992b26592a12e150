"""The spot endpoints of the loopback Binance, mixed into FakeBinance (testing.py): REST under
/api/v3, market streams on /stream/spot/ws (Binance's stream.binance.com), and the WebSocket
API on /ws-api/v3 with order.place, order.cancel and the user data stream, which spot now
serves only there (userDataStream.subscribe.signature; events arrive wrapped as
{"subscriptionId", "event"}). Matching and balances are in fake_spot.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from .fake_spot import SpotOrder, SpotSymbol, SpotVenue
from .fake_venue import VenueError, _s
from .fake_wire import integer, levels, send

SPOT_STREAMS = "/stream/spot"
SPOT_WS_API = "/ws-api/v3"
DEFAULT_SPOT = (
    SpotSymbol("BTCUSDT", "BTC", tick="0.01", step="0.00001", min_qty="0.00001", min_notional="5",
               bid=60000.0, ask=60000.01),
    SpotSymbol("ETHUSDT", "ETH", tick="0.01", step="0.0001", min_qty="0.0001", min_notional="5",
               bid=3000.0, ask=3000.01),
    SpotSymbol("OLDUSDT", "OLD", status="BREAK", bid=1.0, ask=1.01),
)
DEFAULT_SPOT_BALANCES = {"USDT": 10_000.0, "BTC": 0.05}


class SpotServer:
    spot: SpotVenue
    spot_users: dict[Any, int]        # ws-api socket -> subscriptionId

    def _init_spot(self, symbols: tuple[SpotSymbol, ...], balances: dict[str, float]) -> None:
        self.spot = SpotVenue([SpotSymbol(**vars(s)) for s in symbols], dict(balances))
        self.spot_users = {}

    # --- hooks for tests --------------------------------------------------------------------------
    def set_spot_book(self, symbol: str, bid: float, ask: float) -> None:
        self.call(self._set_spot_book, symbol, bid, ask)

    async def _set_spot_book(self, symbol: str, bid: float, ask: float) -> None:
        spec = self.spot.symbols[symbol]
        old, previous_id = (spec.bid, spec.ask), spec.update_id
        events = self.spot.set_book(symbol, bid, ask, self.now_ms())
        if symbol in self._skip_depth:
            self._skip_depth.discard(symbol)
        else:
            await self._publish(f"{symbol.lower()}@depth", {
                "e": "depthUpdate", "E": self.now_ms(), "s": symbol, "U": previous_id + 1, "u": spec.update_id,
                "b": levels([(old[0], 0.0), (bid, spec.depth_qty)]),
                "a": levels([(old[1], 0.0), (ask, spec.depth_qty)])}, spot=True)
        await self._publish(f"{symbol.lower()}@ticker", self._spot_ticker_event(spec), spot=True)
        await self._spot_user(events)

    def spot_fill(self, client_id: str, qty: float, price: float) -> None:
        """Another trader takes part or all of a resting spot order at `price`."""
        def run() -> Any:
            order = next(o for o in self.spot.account.orders.values() if o.client_id == client_id)
            self.spot.now_ms = self.now_ms()
            return self._spot_user(self.spot.fill(order, qty, price, maker=True))
        self.call(run)

    def spot_orders(self) -> list[SpotOrder]:
        return self.call(lambda: list(self.spot.account.orders.values()))

    def spot_trades(self) -> list[dict]:
        return self.call(lambda: list(self.spot.account.trades))

    def spot_balances(self) -> dict[str, tuple[float, float]]:
        return self.call(lambda: {a: (f, lk) for a, (f, lk) in self.spot.account.balances.items()})

    # --- REST -------------------------------------------------------------------------------------
    def _spot_routes(self) -> dict[tuple[str, str], tuple[str, Callable[[dict], Any]]]:
        s = self.spot
        return {
            ("GET", "/api/v3/ping"): ("", lambda p: {}),
            ("GET", "/api/v3/time"): ("", lambda p: {"serverTime": self.now_ms()}),
            ("GET", "/api/v3/exchangeInfo"): ("", lambda p: self._spot_exchange_info()),
            ("GET", "/api/v3/depth"): ("", self._spot_depth),
            ("GET", "/api/v3/ticker/24hr"): ("", lambda p: self._spot_one_or_all(p, self._spot_ticker_rest)),
            ("GET", "/api/v3/klines"): ("", lambda p: self._kline_rows(self._spot_spec(p), p, most=1000)),
            ("POST", "/api/v3/order"): ("signed", self._spot_place),
            ("DELETE", "/api/v3/order"): ("signed", self._spot_cancel),
            ("GET", "/api/v3/order"): ("signed", lambda p: s.find(p.get("symbol", ""), integer(p.get("orderId")),
                                                                   p.get("origClientOrderId")).rest()),
            ("GET", "/api/v3/openOrders"): ("signed", lambda p: [o.rest() for o in s.open_orders(p.get("symbol"))]),
            ("DELETE", "/api/v3/openOrders"): ("signed", self._spot_cancel_all),
            ("GET", "/api/v3/myTrades"): ("signed", self._spot_trades),
            ("GET", "/api/v3/account"): ("signed", lambda p: self._spot_account()),
        }

    def _spot_spec(self, params: dict) -> SpotSymbol:
        spec = self.spot.symbols.get(params.get("symbol", ""))
        if spec is None:
            raise VenueError(-1121, "Invalid symbol.")
        return spec

    def _spot_exchange_info(self) -> dict:
        symbols = [{
            "symbol": s.symbol, "status": s.status, "baseAsset": s.base, "baseAssetPrecision": 8,
            "quoteAsset": s.quote, "quotePrecision": 8, "quoteAssetPrecision": 8,
            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
            "icebergAllowed": True, "ocoAllowed": True, "isSpotTradingAllowed": True, "isMarginTradingAllowed": False,
            "permissions": [], "permissionSets": [["SPOT"]], "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
            "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": s.tick, "maxPrice": "1000000.00", "tickSize": s.tick},
                {"filterType": "LOT_SIZE", "minQty": s.min_qty, "maxQty": "9000.00000000", "stepSize": s.step},
                {"filterType": "NOTIONAL", "minNotional": s.min_notional, "applyMinToMarket": True,
                 "maxNotional": "9000000.00", "applyMaxToMarket": False, "avgPriceMins": 5},
                {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200}]} for s in self.spot.symbols.values()]
        return {"timezone": "UTC", "serverTime": self.now_ms(),
                "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                                "limit": 6000}], "exchangeFilters": [], "symbols": symbols}

    def _spot_depth(self, params: dict) -> dict:
        spec = self._spot_spec(params)
        return {"lastUpdateId": spec.update_id, "bids": levels([(spec.bid, spec.depth_qty)]),
                "asks": levels([(spec.ask, spec.depth_qty)])}

    def _spot_one_or_all(self, params: dict, shape: Callable[[SpotSymbol], dict]) -> Any:
        if params.get("symbol"):
            return shape(self._spot_spec(params))
        return [shape(s) for s in self.spot.symbols.values() if s.status == "TRADING"]

    def _spot_ticker_rest(self, s: SpotSymbol) -> dict:
        last = (s.bid + s.ask) / 2
        return {"symbol": s.symbol, "priceChange": "0", "priceChangePercent": "0", "weightedAvgPrice": _s(last),
                "prevClosePrice": _s(last), "lastPrice": _s(last), "lastQty": "0.1", "bidPrice": _s(s.bid),
                "bidQty": _s(s.depth_qty), "askPrice": _s(s.ask), "askQty": _s(s.depth_qty), "openPrice": _s(last),
                "highPrice": _s(last * 1.01), "lowPrice": _s(last * 0.99), "volume": "1000",
                "quoteVolume": _s(1000 * last), "openTime": self.now_ms() - 86_400_000, "closeTime": self.now_ms(),
                "firstId": 1, "lastId": 2, "count": 2}

    def _spot_ticker_event(self, s: SpotSymbol) -> dict:
        row = self._spot_ticker_rest(s)
        return {"e": "24hrTicker", "E": self.now_ms(), "s": s.symbol, "p": "0", "P": "0", "w": row["lastPrice"],
                "x": row["lastPrice"], "c": row["lastPrice"], "Q": "0.1", "b": row["bidPrice"], "B": row["bidQty"],
                "a": row["askPrice"], "A": row["askQty"], "o": row["openPrice"], "h": row["highPrice"],
                "l": row["lowPrice"], "v": row["volume"], "q": row["quoteVolume"], "O": row["openTime"],
                "C": row["closeTime"], "F": 1, "L": 2, "n": 2}

    def _spot_place(self, params: dict) -> tuple[dict, list[dict]]:
        order, events = self.spot.place(params, self.now_ms())
        return self._spot_answer(order), events

    def _spot_answer(self, order: SpotOrder) -> dict:
        """newOrderRespType FULL: the order and its fills."""
        fills = [{"price": t["price"], "qty": t["qty"], "commission": t["commission"],
                  "commissionAsset": t["commissionAsset"], "tradeId": t["id"]}
                 for t in self.spot.account.trades if t["orderId"] == order.order_id]
        return {**order.rest(), "transactTime": order.update_time, "fills": fills}

    def _spot_cancel(self, params: dict) -> tuple[dict, list[dict]]:
        order, events = self.spot.cancel(params.get("symbol", ""), integer(params.get("orderId")),
                                         params.get("origClientOrderId"), self.now_ms(),
                                         params.get("newClientOrderId", ""))
        return {**order.rest(), "origClientOrderId": order.client_id}, events

    def _spot_cancel_all(self, params: dict) -> tuple[list[dict], list[dict]]:
        if not params.get("symbol"):
            raise VenueError(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
        rows, events = [], []
        for order in self.spot.open_orders(params["symbol"]):
            done, more = self.spot.cancel(order.symbol, order.order_id, None, self.now_ms())
            rows.append({**done.rest(), "origClientOrderId": done.client_id})
            events += more
        return rows, events

    def _spot_trades(self, params: dict) -> list[dict]:
        if not params.get("symbol"):
            raise VenueError(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
        start = int(params.get("startTime", 0))
        limit = min(int(params.get("limit", 500)), 1000)
        rows = [t for t in self.spot.account.trades if t["symbol"] == params["symbol"] and t["time"] >= start]
        return rows[:limit] if "startTime" in params else rows[-limit:]

    def _spot_account(self) -> dict:
        maker, taker = (_s(rate) for rate in (0.001, 0.001))
        return {"makerCommission": 10, "takerCommission": 10, "buyerCommission": 0, "sellerCommission": 0,
                "commissionRates": {"maker": maker, "taker": taker, "buyer": "0", "seller": "0"},
                "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
                "requireSelfTradePrevention": False, "preventSor": False, "updateTime": self.now_ms(),
                "accountType": "SPOT", "balances": self.spot.account_rows(), "permissions": ["SPOT"], "uid": 1}

    # --- WebSocket API ----------------------------------------------------------------------------
    def _spot_ws_call(self, method: str, fields: dict, ws: web.WebSocketResponse) -> tuple[dict, list[dict]]:
        if method == "order.place":
            order, events = self.spot.place(fields, self.now_ms())
            return self._spot_answer(order), events
        if method == "order.cancel":
            return self._spot_cancel(fields)
        if method == "userDataStream.subscribe.signature":
            if self.user_blocked:
                raise VenueError(-1000, "The user data stream is not available.", 503)
            self.spot_users[ws] = len(self.spot_users)
            return {"subscriptionId": self.spot_users[ws]}, []
        raise VenueError(-1000, f"Unknown method {method}")

    async def _spot_user(self, events: list[dict]) -> None:
        for ws, subscription in list(self.spot_users.items()):
            if ws.closed:
                self.spot_users.pop(ws, None)
                continue
            for event in events:
                await send(ws, {"subscriptionId": subscription, "event": event})


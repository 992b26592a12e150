"""A loopback Binance USD-M futures server for tests and benchmarks (aiohttp HTTP and WebSocket
on 127.0.0.1), following Binance's documented API: exchangeInfo, depth with update ids, 24h
tickers, premiumIndex, open interest, funding history, klines, signed order endpoints with
HMAC-SHA256 or Ed25519 signatures and recvWindow (-1021), listenKeys with keep-alive and expiry,
the routed WebSocket endpoints (/public for books, /market for the rest, /private/ws?listenKey=;
the unrouted /ws and /stream were retired on 2026-04-23) with SUBSCRIBE,
and user-data events. Matching and the ledger are in fake_venue.py.

Hooks for faults: drop every socket, expire listenKeys, skip a depth update, delay or fail the
next request to a path, a clock skew, a banned IP (418) and rate limiting (429)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from .fake_algo import AlgoBook
from .fake_spot import SpotSymbol
from .fake_spot_server import DEFAULT_SPOT, DEFAULT_SPOT_BALANCES, SPOT_STREAMS, SPOT_WS_API, SpotServer
from .fake_venue import Order, Symbol, Venue, VenueError, _s
from .fake_wire import error, integer, levels, send, text

DEFAULT_SYMBOLS = (
    Symbol("BTCUSDT", tick="0.10", step="0.001", min_qty="0.001", min_notional="100", bid=60000.0, ask=60000.1),
    Symbol("ETHUSDT", tick="0.01", step="0.001", min_qty="0.001", min_notional="20", bid=3000.0, ask=3000.01),
    Symbol("SOLUSDT", tick="0.0100", step="1", min_qty="1", min_notional="5", bid=150.0, ask=150.01),
    Symbol("XAUUSDT", tick="0.01", step="0.001", min_qty="0.001", min_notional="5", bid=2650.0, ask=2650.1,
           underlying_type="COMMODITY", contract_type="TRADIFI_PERPETUAL"),
    Symbol("LUNAUSDT", status="SETTLING", bid=1.0, ask=1.01),
)
INTERVAL_MS = {"1m": 60_000, "5m": 300_000, "15m": 900_000, "1h": 3_600_000, "4h": 14_400_000, "1d": 86_400_000}
FUNDING_MS = 8 * 3_600_000
OI_PERIODS = {name: minutes * 60_000 for name, minutes in (("5m", 5), ("15m", 15), ("30m", 30), ("1h", 60),
                                                            ("2h", 120), ("4h", 240), ("6h", 360), ("12h", 720),
                                                            ("1d", 1440))}


class FakeBinance(SpotServer):
    def __init__(self, symbols: tuple[Symbol, ...] = DEFAULT_SYMBOLS, api_key: str = "lh-test-key",
                 secret: str = "lh-test-secret", ed25519_public_pem: bytes | None = None,
                 futures_permission: bool = True, spot_symbols: tuple[SpotSymbol, ...] = DEFAULT_SPOT,
                 spot_balances: dict[str, float] | None = None) -> None:
        self.venue = Venue([Symbol(**vars(s)) for s in symbols])
        self.algos = AlgoBook(self.venue)
        self._init_spot(spot_symbols, DEFAULT_SPOT_BALANCES if spot_balances is None else spot_balances)
        for spec in self.venue.symbols.values():
            spec.mark = spec.index = (spec.bid + spec.ask) / 2
        self.api_key, self.secret, self.public_pem = api_key, secret, ed25519_public_pem
        self.futures_permission = futures_permission
        self.closing = False
        self.skew_ms = 0                    # the server's clock minus ours
        self.banned = False                 # 418 for everything
        self.user_blocked = False           # user-stream sockets refused (a network that drops them)
        self.requests: list[tuple[str, str]] = []
        self.weights: deque[tuple[int, int]] = deque()
        self.extra_weight = 0               # weight other programs on this IP used (tests raise it)
        self.listen_keys: dict[str, bool] = {}       # key -> alive
        self.sockets: list[tuple[web.WebSocketResponse, str, dict[str, str]]] = []   # socket, route, streams
        self._delays: dict[str, float] = {}
        self._lost: dict[str, float] = {}
        self._failures: dict[str, list[tuple[int, int, str]]] = {}
        self._skip_depth: set[str] = set()
        self.missing_klines: list[tuple[int, int]] = []    # (first, last) open times Binance has no bars for
        self.loop = asyncio.new_event_loop()
        self.runner: web.AppRunner | None = None
        self.port = 0
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-binance", daemon=True)

    # --- life -----------------------------------------------------------------------------------
    def start(self) -> FakeBinance:
        self.thread.start()
        self.call(self._serve)
        return self

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.runner is not None:
            self.call(self._close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        if not self.loop.is_running():
            self.loop.close()

    def call(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run on the server's loop (coroutine functions awaited) and return the result."""
        async def run() -> Any:
            result = func(*args)
            return await result if asyncio.iscoroutine(result) else result
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(120)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        app.on_shutdown.append(self._close_sockets)         # once nothing new is accepted
        # A socket still opening when the server stops ends within 2 s, as a server going away.
        self.runner = web.AppRunner(app, shutdown_timeout=2.0)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        self.closing = True
        await self.runner.cleanup()

    async def _close_sockets(self, _app: web.Application) -> None:
        for ws, _, _ in list(self.sockets):
            await ws.close()

    # --- hooks for tests ------------------------------------------------------------------------
    def set_book(self, symbol: str, bid: float, ask: float) -> None:
        """Move the best bid and ask: pushes depth, book ticker and mark price, and fills resting
        orders that now cross (their events go to the user stream)."""
        self.call(self._set_book, symbol, bid, ask)

    def set_books(self, books: list[tuple[str, float, float]]) -> None:
        """Many book moves in one go, pushed as fast as the sockets take them (benchmarks)."""
        async def run() -> None:
            for symbol, bid, ask in books:
                await self._set_book(symbol, bid, ask)
        self.call(run)

    async def _set_book(self, symbol: str, bid: float, ask: float) -> None:
        spec = self.venue.symbols[symbol]
        old = (spec.bid, spec.ask)
        previous_id = spec.update_id
        events = self.venue.set_book(symbol, bid, ask, self.now_ms())
        events += self.algos.on_prices(symbol, self.now_ms())
        if symbol in self._skip_depth:
            self._skip_depth.discard(symbol)
        else:
            depth = {"e": "depthUpdate", "E": self.now_ms(), "T": self.now_ms(), "s": symbol,
                     "U": previous_id + 1, "u": spec.update_id, "pu": previous_id,
                     "b": levels([(old[0], 0.0), (bid, spec.depth_qty)]),
                     "a": levels([(old[1], 0.0), (ask, spec.depth_qty)])}
            await self._publish(f"{symbol.lower()}@depth", depth)
        await self._publish(f"{symbol.lower()}@depth10", {
            "e": "depthUpdate", "E": self.now_ms(), "T": self.now_ms(), "s": symbol, "U": previous_id + 1,
            "u": spec.update_id, "pu": previous_id, "b": levels([(bid, spec.depth_qty)]),
            "a": levels([(ask, spec.depth_qty)])})
        await self._publish(f"{symbol.lower()}@bookticker", {
            "e": "bookTicker", "u": spec.update_id, "s": symbol, "b": _s(bid), "B": _s(spec.depth_qty),
            "a": _s(ask), "A": _s(spec.depth_qty), "T": self.now_ms(), "E": self.now_ms()})
        await self._publish(f"{symbol.lower()}@markprice", self._mark_event(spec))
        await self._publish(f"{symbol.lower()}@ticker", self._ticker_event(spec))
        await self._publish("!markprice@arr", [self._mark_event(spec)])
        await self._publish("!ticker@arr", [self._ticker_event(spec)])
        await self._publish("!miniticker@arr", [self._mini_ticker_event(spec)])
        await self._user(events)

    def push_all_tickers(self) -> None:
        self.call(self._publish, "!ticker@arr",
                  [self._ticker_event(s) for s in self.venue.symbols.values() if s.status == "TRADING"])

    def fill(self, client_id: str, qty: float, price: float) -> None:
        """A partial or full fill of a resting order at `price`, as another trader's taker would."""
        def run() -> Any:
            order = next(o for o in self.venue.account.orders.values() if o.client_id == client_id)
            self.venue.now_ms = self.now_ms()
            return self._user(self.venue.fill(order, qty, price, maker=True))
        self.call(run)

    def settle_funding(self) -> None:
        """A funding time passes: positions pay or receive, the user stream is told."""
        self.call(lambda: self._user(self.venue.settle_funding(self.now_ms())))

    def drop_sockets(self) -> None:
        """Close every WebSocket, as a network blip or Binance's 24-hour limit would."""
        async def close() -> None:
            for ws, _, _ in list(self.sockets):
                await ws.close(code=1006)
        self.call(close)

    def expire_listen_keys(self) -> None:
        """Binance pushes listenKeyExpired, then the stream carries nothing and keep-alives fail."""
        async def expire() -> None:
            for key in self.listen_keys:
                self.listen_keys[key] = False
            for ws, route, _ in list(self.sockets):
                if route.startswith("private:"):
                    await ws.send_json({"e": "listenKeyExpired", "E": self.now_ms(), "listenKey": route[8:]})
        self.call(expire)

    def block_user_stream(self, blocked: bool = True) -> None:
        """While blocked, user-stream sockets are closed and new ones refused; REST still answers."""
        self.user_blocked = blocked
        if blocked:
            async def close() -> None:
                for ws, route, _ in list(self.sockets):
                    if route.startswith("private:") or ws in self.spot_users:
                        await ws.close(code=1006)
            self.call(close)

    def skip_depth_update(self, symbol: str) -> None:
        self._skip_depth.add(symbol)

    def delay_next(self, path: str, seconds: float) -> None:
        self._delays[path] = seconds

    def lose_next(self, path: str, seconds: float) -> None:
        """The next request to `path` is swallowed: no effect, and no answer for `seconds`."""
        self._lost[path] = seconds

    def fail_next(self, path: str, status: int, code: int, msg: str) -> None:
        self._failures.setdefault(path, []).append((status, code, msg))

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self.skew_ms

    def orders(self) -> list[Order]:
        return self.call(lambda: list(self.venue.account.orders.values()))

    def trades(self) -> list[dict]:
        return self.call(lambda: list(self.venue.account.trades))

    # --- HTTP -------------------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith(("/public/", "/market/", "/private/ws", "/ws", "/stream")):
            return await self._websocket(request)
        body = await request.text()
        self.requests.append((request.method, path))
        if self.banned:
            return error(418, -1003, "Way too many requests; IP banned until " + str(self.now_ms() + 60_000))
        failures = self._failures.get(path)
        if failures:
            status, code, msg = failures.pop(0)
            return error(status, code, msg)
        delay = self._delays.pop(path, 0.0)
        lost = self._lost.pop(path, 0.0)
        if lost:            # the request never reaches the matching engine; the client times out
            await asyncio.sleep(lost)
            return error(503, -1001, "Internal error; unable to process your request. Please try again.")
        params = dict(parse_qsl(request.query_string)) | dict(parse_qsl(body))
        try:
            handler = self._route(request.method, path)
            if handler is None:
                return error(404, -5000, f"Path {request.method} {path} not served by the fake")
            private, func = handler
            if private:
                self._authenticate(request, body, params, signed=private == "signed")
            result = func(params)
            if delay:       # the work is done; only the answer is late (a timed-out send that went through)
                await asyncio.sleep(delay)
            if isinstance(result, tuple):
                result, events = result
                await self._user(events)
            return web.json_response(result, headers={"X-MBX-USED-WEIGHT-1M": str(self._used_weight(path, params))})
        except VenueError as failure:
            return error(failure.status, failure.code, failure.msg)

    def _used_weight(self, path: str, params: dict) -> int:
        """This IP's request weight over the last minute, this request included, as Binance
        counts it in X-MBX-USED-WEIGHT-1M."""
        now = self.now_ms()
        self.weights.append((now, _weight(path, params)))
        while self.weights and self.weights[0][0] <= now - 60_000:
            self.weights.popleft()
        return sum(w for _, w in self.weights) + self.extra_weight

    def _route(self, method: str, path: str) -> tuple[str, Callable[[dict], Any]] | None:
        v = self.venue
        routes: dict[tuple[str, str], tuple[str, Callable[[dict], Any]]] = {
            ("GET", "/fapi/v1/ping"): ("", lambda p: {}),
            ("GET", "/fapi/v1/time"): ("", lambda p: {"serverTime": self.now_ms()}),
            ("GET", "/fapi/v1/exchangeInfo"): ("", lambda p: self._exchange_info()),
            ("GET", "/fapi/v1/depth"): ("", self._depth),
            ("GET", "/fapi/v1/ticker/24hr"): ("", lambda p: self._one_or_all(p, self._ticker_rest)),
            ("GET", "/fapi/v1/premiumIndex"): ("", lambda p: self._one_or_all(p, self._premium)),
            ("GET", "/fapi/v1/ticker/bookTicker"): ("", lambda p: self._one_or_all(p, self._book_ticker)),
            ("GET", "/fapi/v1/openInterest"): ("", self._open_interest),
            ("GET", "/fapi/v1/fundingRate"): ("", self._funding_history),
            ("GET", "/futures/data/openInterestHist"): ("", self._open_interest_history),
            ("GET", "/fapi/v1/klines"): ("", self._klines),
            ("POST", "/fapi/v1/order"): ("signed", self._place),
            ("DELETE", "/fapi/v1/order"): ("signed", self._cancel),
            ("GET", "/fapi/v1/order"): ("signed", lambda p: v.find(p["symbol"], integer(p.get("orderId")),
                                                                    p.get("origClientOrderId")).rest()),
            ("GET", "/fapi/v1/openOrders"): ("signed", lambda p: [o.rest() for o in v.open_orders(p.get("symbol"))]),
            ("DELETE", "/fapi/v1/allOpenOrders"): ("signed", self._cancel_all),
            ("GET", "/fapi/v1/userTrades"): ("signed", self._user_trades),
            ("GET", "/fapi/v1/income"): ("signed", self._income),
            ("GET", "/fapi/v3/positionRisk"): ("signed", lambda p: v.position_rows()),
            ("GET", "/fapi/v2/positionRisk"): ("signed", lambda p: v.position_rows()),
            ("GET", "/fapi/v3/account"): ("signed", lambda p: self._account()),
            ("GET", "/fapi/v2/account"): ("signed", lambda p: self._account()),
            ("GET", "/fapi/v2/balance"): ("signed", lambda p: self._balance()),
            ("GET", "/fapi/v3/balance"): ("signed", lambda p: self._balance()),
            ("POST", "/fapi/v1/leverage"): ("signed", self._leverage),
            ("POST", "/fapi/v1/marginType"): ("signed", self._margin_type),
            ("POST", "/fapi/v1/positionSide/dual"): ("signed", self._position_mode),
            ("GET", "/fapi/v1/positionSide/dual"): ("signed", lambda p: {"dualSidePosition": v.account.hedge_mode}),
            ("GET", "/fapi/v1/leverageBracket"): ("signed", self._brackets),
            ("GET", "/fapi/v1/commissionRate"): ("signed", self._commission_rate),
            ("POST", "/fapi/v1/algoOrder"): ("signed", self._place_algo),
            ("DELETE", "/fapi/v1/algoOrder"): ("signed", self._cancel_algo),
            ("GET", "/fapi/v1/algoOrder"): ("signed", lambda p: self.algos.find(
                integer(p.get("algoId")), p.get("clientAlgoId")).rest()),
            ("GET", "/fapi/v1/openAlgoOrders"): ("signed", lambda p: [a.rest() for a in self.algos.open(
                p.get("symbol"))]),
            ("POST", "/fapi/v1/listenKey"): ("key", self._new_listen_key),
            ("PUT", "/fapi/v1/listenKey"): ("key", self._keep_alive),
            ("DELETE", "/fapi/v1/listenKey"): ("key", lambda p: {}),
        }
        return routes.get((method, path)) or self._spot_routes().get((method, path))

    def _authenticate(self, request: web.Request, body: str, params: dict, signed: bool) -> None:
        if request.headers.get("X-MBX-APIKEY") != self.api_key:
            raise VenueError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        if not self.futures_permission and request.path.startswith("/fapi/"):     # spot is its own permission
            raise VenueError(-2015, "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1", 401)
        if not signed:
            return
        total = request.query_string + body
        payload, _, signature = total.rpartition("&signature=")
        if not signature or not self._verify(payload, signature):
            raise VenueError(-1022, "Signature for this request is not valid.")
        window = int(params.get("recvWindow", 5000))
        stamp = int(params.get("timestamp", 0))
        now = self.now_ms()
        if stamp > now + 1000 or now - stamp > window:
            raise VenueError(-1021, "Timestamp for this request is outside of the recvWindow.")

    def _verify(self, payload: str, signature: str) -> bool:
        from urllib.parse import unquote

        if self.public_pem is not None:
            from cryptography.hazmat.primitives.serialization import load_pem_public_key

            try:
                load_pem_public_key(self.public_pem).verify(base64.b64decode(unquote(signature)), payload.encode())
                return True
            except Exception:
                return False
        expected = hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)

    # --- public answers -------------------------------------------------------------------------------
    def _exchange_info(self) -> dict:
        symbols = []
        for s in self.venue.symbols.values():
            symbols.append({
                "symbol": s.symbol, "pair": s.symbol, "contractType": s.contract_type, "deliveryDate": 4133404800000,
                "onboardDate": 1569398400000, "status": s.status, "baseAsset": s.symbol[:-4], "quoteAsset": "USDT",
                "marginAsset": "USDT", "pricePrecision": _decimals(s.tick), "quantityPrecision": _decimals(s.step),
                "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": s.underlying_type,
                "underlyingSubType": ["TradFi"] if s.underlying_type != "COIN" else ["PoW"],
                "triggerProtect": "0.0500", "liquidationFee": "0.012500", "marketTakeBound": "0.05",
                "maxMoveOrderLimit": 10000,
                "filters": [
                    {"filterType": "PRICE_FILTER", "minPrice": s.tick, "maxPrice": "4529764", "tickSize": s.tick},
                    {"filterType": "LOT_SIZE", "stepSize": s.step, "minQty": s.min_qty, "maxQty": "1000"},
                    {"filterType": "MARKET_LOT_SIZE", "stepSize": s.step, "minQty": s.min_qty, "maxQty": "120"},
                    {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                    {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
                    {"filterType": "MIN_NOTIONAL", "notional": s.min_notional},
                    {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500",
                     "multiplierDecimal": "4"}],
                "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                               "TRAILING_STOP_MARKET"],
                "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"]})
        return {"timezone": "UTC", "serverTime": self.now_ms(), "futuresType": "U_MARGINED",
                "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                                "limit": 2400},
                               {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200}],
                "exchangeFilters": [], "assets": [{"asset": "USDT", "marginAvailable": True,
                                                   "autoAssetExchange": "-10000"}], "symbols": symbols}

    def _spec(self, params: dict) -> Symbol:
        spec = self.venue.symbols.get(params.get("symbol", ""))
        if spec is None:
            raise VenueError(-1121, "Invalid symbol.")
        return spec

    def _depth(self, params: dict) -> dict:
        spec = self._spec(params)
        return {"lastUpdateId": spec.update_id, "E": self.now_ms(), "T": self.now_ms(),
                "bids": levels([(spec.bid, spec.depth_qty)]), "asks": levels([(spec.ask, spec.depth_qty)])}

    def _one_or_all(self, params: dict, shape: Callable[[Symbol], dict]) -> Any:
        if params.get("symbol"):
            return shape(self._spec(params))
        return [shape(s) for s in self.venue.symbols.values() if s.status == "TRADING"]

    def _ticker_rest(self, s: Symbol) -> dict:
        last = (s.bid + s.ask) / 2
        return {"symbol": s.symbol, "priceChange": _s(last * s.change_percent / 100),
                "priceChangePercent": _s(s.change_percent), "weightedAvgPrice": _s(last), "lastPrice": _s(last),
                "lastQty": "1", "openPrice": _s(last / (1 + s.change_percent / 100)), "highPrice": _s(last * 1.02),
                "lowPrice": _s(last * 0.98), "volume": _s(s.quote_volume / last), "quoteVolume": _s(s.quote_volume),
                "openTime": self.now_ms() - 86_400_000, "closeTime": self.now_ms(), "firstId": 1, "lastId": 2,
                "count": 2}

    def _ticker_event(self, s: Symbol) -> dict:
        row = self._ticker_rest(s)
        return {"e": "24hrTicker", "E": self.now_ms(), "s": s.symbol, "p": row["priceChange"],
                "P": row["priceChangePercent"], "w": row["weightedAvgPrice"], "c": row["lastPrice"], "Q": "1",
                "o": row["openPrice"], "h": row["highPrice"], "l": row["lowPrice"], "v": row["volume"],
                "q": row["quoteVolume"], "O": row["openTime"], "C": row["closeTime"], "F": 1, "L": 2, "n": 2}

    def _mini_ticker_event(self, s: Symbol) -> dict:
        full = self._ticker_event(s)
        return {"e": "24hrMiniTicker", **{k: full[k] for k in ("E", "s", "c", "o", "h", "l", "v", "q")}}

    def _book_ticker(self, s: Symbol) -> dict:
        return {"symbol": s.symbol, "bidPrice": _s(s.bid), "bidQty": _s(s.depth_qty), "askPrice": _s(s.ask),
                "askQty": _s(s.depth_qty), "time": self.now_ms(), "lastUpdateId": s.update_id}

    def _premium(self, s: Symbol) -> dict:
        return {"symbol": s.symbol, "markPrice": _s(s.mark), "indexPrice": _s(s.index),
                "estimatedSettlePrice": _s(s.index), "lastFundingRate": _s(s.funding_rate),
                "interestRate": "0.00010000", "nextFundingTime": _next_funding(self.now_ms()), "time": self.now_ms()}

    def _mark_event(self, s: Symbol) -> dict:
        return {"e": "markPriceUpdate", "E": self.now_ms(), "s": s.symbol, "p": _s(s.mark), "ap": _s(s.mark),
                "P": _s(s.index), "i": _s(s.index), "r": _s(s.funding_rate), "T": _next_funding(self.now_ms())}

    def _open_interest(self, params: dict) -> dict:
        spec = self._spec(params)
        return {"openInterest": _s(spec.open_interest), "symbol": spec.symbol, "time": self.now_ms()}

    def _open_interest_history(self, params: dict) -> list[dict]:
        """Binance keeps the last 30 days; rows ascending, at most 500, from `startTime` when sent,
        else the most recent."""
        spec = self._spec(params)
        step = OI_PERIODS.get(params.get("period", ""))
        if step is None:
            raise VenueError(-1130, "Data sent for parameter 'period' is not valid.")
        now = self.now_ms()
        end = min(int(params.get("endTime", now)), now)
        first = max(int(params.get("startTime", 0)), now - 30 * 86_400_000)
        limit = min(int(params.get("limit", 30)), 500)
        moments = range(-(-first // step) * step, end + 1, step)
        chosen = moments[:limit] if "startTime" in params else moments[-limit:]
        rows = []
        for moment in chosen:
            oi = spec.open_interest * (1 + 0.1 * math.sin(moment / step / 11))
            rows.append({"symbol": spec.symbol, "sumOpenInterest": f"{oi:.3f}",
                         "sumOpenInterestValue": f"{oi * spec.mark:.2f}", "CMCCirculatingSupply": "0",
                         "timestamp": moment})
        return rows

    def _funding_history(self, params: dict) -> list[dict]:
        spec = self._spec(params)
        limit = min(int(params.get("limit", 100)), 1000)
        end = int(params.get("endTime", self.now_ms()))
        start = int(params.get("startTime", end - limit * FUNDING_MS))
        first = -(-start // FUNDING_MS) * FUNDING_MS
        rows = []
        for moment in range(first, min(end, self.now_ms()) + 1, FUNDING_MS):
            rate = 0.0001 * (1 + math.sin(moment / FUNDING_MS / 7))
            rows.append({"symbol": spec.symbol, "fundingTime": moment, "fundingRate": f"{rate:.8f}",
                         "markPrice": _s(spec.mark)})
            if len(rows) == limit:
                break
        return rows

    def _klines(self, params: dict) -> list[list]:
        return self._kline_rows(self._spec(params), params)

    def _kline_rows(self, spec: Any, params: dict, most: int = 1500) -> list[list]:
        """Synthetic bars around a symbol's (futures or spot) book."""
        step = INTERVAL_MS.get(params.get("interval", ""))
        if step is None:
            raise VenueError(-1120, "Invalid interval.")
        limit = min(int(params.get("limit", 500)), most)
        now = self.now_ms()
        end = min(int(params.get("endTime", now)), now)
        start = int(params.get("startTime", end - (limit - 1) * step))
        first = -(-start // step) * step
        rows = []
        base = (spec.bid + spec.ask) / 2
        for open_time in range(first, end + 1, step):
            if any(lo <= open_time <= hi for lo, hi in self.missing_klines):
                continue
            price = base * (1 + 0.02 * math.sin(open_time / step / 50))
            close = price * (1 + 0.001 * math.cos(open_time / step))
            rows.append([open_time, f"{price:.2f}", f"{max(price, close) * 1.001:.2f}",
                         f"{min(price, close) * 0.999:.2f}", f"{close:.2f}", "12.5", open_time + step - 1,
                         f"{12.5 * price:.2f}", 100, "6.2", f"{6.2 * price:.2f}", "0"])
            if len(rows) == limit:
                break
        return rows

    # --- private answers -------------------------------------------------------------------------------
    def _place(self, params: dict) -> tuple[dict, list[dict]]:
        order, events = self.venue.place(params, self.now_ms())
        return order.rest(), events

    def _cancel(self, params: dict) -> tuple[dict, list[dict]]:
        order, events = self.venue.cancel(params.get("symbol", ""), integer(params.get("orderId")),
                                          params.get("origClientOrderId"), self.now_ms())
        return order.rest(), events

    def _place_algo(self, params: dict) -> tuple[dict, list[dict]]:
        algo, events = self.algos.place(params, self.now_ms())
        return algo.rest(), events

    def _cancel_algo(self, params: dict) -> tuple[dict, list[dict]]:
        algo, events = self.algos.cancel(integer(params.get("algoId")), params.get("clientAlgoId"), self.now_ms())
        return {"algoId": algo.algo_id, "clientAlgoId": algo.client_id, "code": "200", "msg": "success"}, events

    def _cancel_all(self, params: dict) -> tuple[dict, list[dict]]:
        events = []
        for order in self.venue.open_orders(params.get("symbol")):
            events += self.venue.cancel(order.symbol, order.order_id, None, self.now_ms())[1]
        return {"code": 200, "msg": "The operation of cancel all open order is done."}, events

    def _user_trades(self, params: dict) -> list[dict]:
        if not params.get("symbol"):
            raise VenueError(-1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
        start = int(params.get("startTime", 0))
        from_id = int(params.get("fromId", 0))
        limit = min(int(params.get("limit", 500)), 1000)
        rows = [t for t in self.venue.account.trades if t["symbol"] == params["symbol"] and t["time"] >= start
                and t["id"] >= from_id]
        return rows[:limit] if from_id else rows[-limit:]

    def _commission_rate(self, params: dict) -> dict:
        maker, taker = self.venue.fee_rates(self._spec(params).symbol)
        return {"symbol": params["symbol"], "makerCommissionRate": _s(maker), "takerCommissionRate": _s(taker)}

    def _income(self, params: dict) -> list[dict]:
        """Oldest first from `startTime`; without it, the last 7 days (as Binance documents)."""
        end = int(params.get("endTime", self.now_ms()))
        start = int(params.get("startTime", end - 7 * 86_400_000))
        limit = min(int(params.get("limit", 100)), 1000)
        kind = params.get("incomeType")
        rows = [r for r in self.venue.account.income if start <= r["time"] <= end
                and (not kind or r["incomeType"] == kind) and r["symbol"] == params.get("symbol", r["symbol"])]
        return rows[:limit]

    def _balance(self) -> list[dict]:
        v = self.venue
        return [{"accountAlias": "SgsR", "asset": "USDT", "balance": _s(v.account.wallet),
                 "crossWalletBalance": _s(v.account.wallet), "crossUnPnl": _s(v.unrealised()),
                 "availableBalance": _s(v.available()), "maxWithdrawAmount": _s(v.available()),
                 "marginAvailable": True, "updateTime": self.now_ms()}]

    def _account(self) -> dict:
        v = self.venue
        wallet, unrealised = v.account.wallet, v.unrealised()
        return {"totalInitialMargin": _s(v.margin_used()), "totalMaintMargin": "0",
                "totalWalletBalance": _s(wallet), "totalUnrealizedProfit": _s(unrealised),
                "totalMarginBalance": _s(wallet + unrealised), "totalPositionInitialMargin": _s(v.margin_used()),
                "totalOpenOrderInitialMargin": "0", "totalCrossWalletBalance": _s(wallet),
                "totalCrossUnPnl": _s(unrealised), "availableBalance": _s(v.available()),
                "maxWithdrawAmount": _s(v.available()),
                "assets": [{"asset": "USDT", "walletBalance": _s(wallet), "unrealizedProfit": _s(unrealised),
                            "marginBalance": _s(wallet + unrealised), "maintMargin": "0",
                            "initialMargin": _s(v.margin_used()), "positionInitialMargin": _s(v.margin_used()),
                            "openOrderInitialMargin": "0", "crossWalletBalance": _s(wallet),
                            "crossUnPnl": _s(unrealised), "availableBalance": _s(v.available()),
                            "maxWithdrawAmount": _s(v.available()), "updateTime": self.now_ms()}],
                "positions": [{"symbol": r["symbol"], "positionSide": r["positionSide"],
                               "positionAmt": r["positionAmt"], "unrealizedProfit": r["unRealizedProfit"],
                               "isolatedMargin": "0", "notional": r["notional"], "isolatedWallet": "0",
                               "initialMargin": r["initialMargin"], "maintMargin": r["maintMargin"],
                               "updateTime": self.now_ms()} for r in v.position_rows()]}

    def _leverage(self, params: dict) -> dict:
        spec = self._spec(params)
        leverage = int(params.get("leverage", 0))
        if not 1 <= leverage <= spec.max_leverage:
            raise VenueError(-4028, f"Leverage {leverage} is not valid")
        self.venue.account.leverage[spec.symbol] = leverage
        return {"leverage": leverage, "maxNotionalValue": "1000000", "symbol": spec.symbol}

    def _margin_type(self, params: dict) -> dict:
        spec = self._spec(params)
        wanted = params.get("marginType", "").lower()
        if self.venue.account.margin_type.get(spec.symbol, "crossed") == wanted:
            raise VenueError(-4046, "No need to change margin type.")
        if any(p.amount for (s, _), p in self.venue.account.positions.items() if s == spec.symbol):
            raise VenueError(-4048, "Margin type cannot be changed if there exists position.")
        self.venue.account.margin_type[spec.symbol] = wanted
        return {"code": 200, "msg": "success"}

    def _position_mode(self, params: dict) -> dict:
        wanted = str(params.get("dualSidePosition", "")).lower() == "true"
        if wanted == self.venue.account.hedge_mode:
            raise VenueError(-4059, "No need to change position side.")
        if any(p.amount for p in self.venue.account.positions.values()) or self.venue.open_orders():
            raise VenueError(-4068, "The position side cannot be changed if there exists position.")
        self.venue.account.hedge_mode = wanted
        return {"code": 200, "msg": "success"}

    def _brackets(self, params: dict) -> list[dict]:
        specs = [self._spec(params)] if params.get("symbol") else list(self.venue.symbols.values())
        return [{"symbol": s.symbol, "notionalCoef": 1.0, "brackets": [
            {"bracket": 1, "initialLeverage": s.max_leverage, "notionalCap": 50000, "notionalFloor": 0,
             "maintMarginRatio": 0.004, "cum": 0.0},
            {"bracket": 2, "initialLeverage": 20, "notionalCap": 1000000, "notionalFloor": 50000,
             "maintMarginRatio": 0.025, "cum": 1050.0}]} for s in specs]

    def _new_listen_key(self, params: dict) -> dict:
        alive = [key for key, ok in self.listen_keys.items() if ok]
        key = alive[0] if alive else secrets.token_hex(32)       # Binance returns the live key if there is one
        self.listen_keys[key] = True
        return {"listenKey": key}

    def _keep_alive(self, params: dict) -> dict:
        alive = [key for key, ok in self.listen_keys.items() if ok]
        if not alive:
            raise VenueError(-1125, "This listenKey does not exist.")
        return {"listenKey": alive[0]}

    # --- WebSocket -------------------------------------------------------------------------------------
    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if self.banned:
            return error(418, -1003, "IP banned")
        if self.user_blocked and request.path.startswith("/private/ws"):
            raise web.HTTPServiceUnavailable()                       # a network that drops it: no handshake
        path = request.path
        if (path == "/ws" or path.startswith(("/ws/", "/stream"))) and not path.startswith(SPOT_STREAMS):
            raise web.HTTPNotFound()                  # the unrouted futures URLs, retired on 2026-04-23
        ws = web.WebSocketResponse(heartbeat=None, timeout=1.0)   # a close waits 1 s for the client, as a server would
        await ws.prepare(request)
        if self.closing:                        # opened while the server stops: it goes away
            await ws.close(code=1001)
            return ws
        route = request.path
        if route.startswith("/private/ws"):
            key = request.query.get("listenKey", "")
            if not self.listen_keys.get(key):
                await ws.close(code=1008, message=b"invalid listenKey")
                return ws
            route = "private:" + key
        entry: tuple[web.WebSocketResponse, str, dict[str, str]] = (ws, route, {})
        self.sockets.append(entry)
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                body = json.loads(message.data)
                method = body.get("method", "")
                if route.startswith(("/ws-fapi", SPOT_WS_API)):
                    await send(ws, await self._ws_api(method, body.get("params") or {}, body.get("id"), ws, route))
                    continue
                if method == "SUBSCRIBE":
                    entry[2].update({_stream_key(s): s for s in body.get("params", [])})
                elif method == "UNSUBSCRIBE":
                    for name in body.get("params", []):
                        entry[2].pop(_stream_key(name), None)
                await send(ws, {"result": None, "id": body.get("id")})
        finally:
            self.sockets.remove(entry)
            self.spot_users.pop(ws, None)
        return ws

    async def _ws_api(self, method: str, params: dict, request_id: Any, ws: web.WebSocketResponse,
                      route: str) -> dict:
        """Binance's WebSocket APIs, signed like REST but over the parameters sorted by name:
        ws-fapi (order.place, order.cancel) and spot's ws-api/v3 (the same, and the user data
        stream). The fault hooks take the method name as their path ("spot:" before spot's)."""
        spot = route.startswith(SPOT_WS_API)
        hook = f"spot:{method}" if spot else method
        self.requests.append(("WS", hook))
        failures = self._failures.get(hook)
        if failures:
            status, code, msg = failures.pop(0)
            return {"id": request_id, "status": status, "error": {"code": code, "msg": msg}}
        lost = self._lost.pop(hook, 0.0)
        if lost:
            await asyncio.sleep(lost)
            return {"id": request_id, "status": 503, "error": {"code": -1001, "msg": "Internal error."}}
        delay = self._delays.pop(hook, 0.0)
        try:
            if params.get("apiKey") != self.api_key or not (spot or self.futures_permission):
                raise VenueError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
            payload = "&".join(f"{k}={text(v)}" for k, v in sorted(params.items()) if k != "signature")
            if not self._verify(payload, str(params.get("signature", ""))):
                raise VenueError(-1022, "Signature for this request is not valid.")
            fields = {k: text(v) for k, v in params.items() if k not in ("apiKey", "signature", "returnRateLimits")}
            if spot:
                result, events = self._spot_ws_call(method, fields, ws)
            elif method == "order.place":
                order, events = self.venue.place(fields, self.now_ms())
                result = order.rest()
            elif method == "order.cancel":
                order, events = self.venue.cancel(fields.get("symbol", ""), integer(fields.get("orderId")),
                                                  fields.get("origClientOrderId"), self.now_ms())
                result = order.rest()
            else:
                raise VenueError(-1000, f"Unknown method {method}")
        except VenueError as failure:
            return {"id": request_id, "status": failure.status, "error": {"code": failure.code, "msg": failure.msg}}
        await (self._spot_user(events) if spot else self._user(events))
        if delay:
            await asyncio.sleep(delay)
        return {"id": request_id, "status": 200, "result": result}

    async def _publish(self, stream: str, payload: Any, spot: bool = False) -> None:
        for ws, route, streams in list(self.sockets):
            name = streams.get(stream)
            if name is None or ws.closed or route.startswith(SPOT_STREAMS) != spot:
                continue
            if not spot and not route.startswith(f"/{_route_of(stream)}/"):
                continue                        # subscribed on the other route: Binance pushes nothing
            wrapped = "/stream" in route and not spot           # combined-stream routes wrap each payload
            await send(ws, {"stream": name, "data": payload} if wrapped else payload)

    async def _user(self, events: list[dict]) -> None:
        for ws, route, _ in list(self.sockets):
            if route.startswith("private:") and self.listen_keys.get(route[8:]) and not ws.closed:
                for event in events:
                    await send(ws, event)




def _stream_key(stream: str) -> str:
    """`btcusdt@depth@100ms` -> `btcusdt@depth`; `btcusdt@markPrice@1s` -> `btcusdt@markprice`."""
    name = stream.lower()
    for suffix in ("@100ms", "@500ms", "@250ms", "@1s", "@3s"):
        name = name.removesuffix(suffix)
    return name



def _route_of(stream: str) -> str:
    """Which routed futures endpoint carries a stream: books on /public, the rest on /market."""
    return "public" if stream.split("@", 1)[-1].lstrip("!").startswith(("depth", "bookticker")) else "market"


def _decimals(step: str) -> int:
    return len(step.rstrip("0").partition(".")[2])



def _next_funding(now_ms: int) -> int:
    return (now_ms // FUNDING_MS + 1) * FUNDING_MS


def _weight(path: str, params: dict) -> int:
    """Request weights from Binance's USD-M REST documentation."""
    if path == "/fapi/v1/depth":
        limit = int(params.get("limit", 500))
        return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20
    if path == "/fapi/v1/klines":
        limit = int(params.get("limit", 500))
        return 1 if limit < 100 else 2 if limit < 500 else 5 if limit <= 1000 else 10
    if path in ("/fapi/v1/ticker/24hr", "/fapi/v1/openOrders"):
        return 1 if params.get("symbol") else 40
    if path == "/fapi/v1/ticker/bookTicker":
        return 2 if params.get("symbol") else 5
    if path == "/fapi/v1/premiumIndex":
        return 1 if params.get("symbol") else 10
    return WEIGHTS.get(path, 1)


WEIGHTS = {"/fapi/v1/income": 30, "/fapi/v1/commissionRate": 20, "/fapi/v1/userTrades": 5, "/fapi/v1/allOpenOrders": 1,
           "/fapi/v2/account": 5, "/fapi/v3/account": 5, "/fapi/v2/balance": 5, "/fapi/v3/balance": 5,
           "/fapi/v2/positionRisk": 5, "/fapi/v3/positionRisk": 5, "/fapi/v1/leverageBracket": 1}

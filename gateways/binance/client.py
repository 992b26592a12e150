"""The wire: the only module that calls ccxt. One `BinanceClient` wraps a ccxt.pro `binanceusdm`
instance on the gateway's asyncio loop and hands back Binance's raw payloads (the `info` ccxt
keeps), so the mapping reads documented fields, not ccxt's reshaping.

Servers: REAL, TESTNET and DEMO are ccxt's own; `register_server` adds one by base URL (the
tests' loopback exchange), without monkeypatching."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from .mapping import ALGO_TYPES, OrderPlan, proxy_attributes


@dataclass(frozen=True)
class Server:
    name: str
    rest: str = ""          # e.g. http://127.0.0.1:8000 (empty: ccxt's own URLs)
    ws: str = ""
    sandbox: bool = False
    demo: bool = False


BOOK_SNAPSHOT = 50
# Binance's Demo Trading streams futures from its own host; ccxt 4.5.90 points demo at the
# testnet's (fstream.binancefuture.com), where a demo listenKey is unknown and prices differ.
DEMO_FUTURES_STREAMS = "wss://demo-fstream.binance.com/ws"
SERVERS: dict[str, Server] = {"REAL": Server("REAL"), "TESTNET": Server("TESTNET", sandbox=True),
                              "DEMO": Server("DEMO", demo=True)}


def register_server(server: Server) -> None:
    SERVERS[server.name] = server


def ccxt_config(api_key: str, secret: str, timeout_ms: int, default_type: str) -> dict[str, Any]:
    """ccxt's limiter, counted like Binance counts weight: per rolling minute (1,200 of the 2,400
    Binance allows, leaving room for other programs on this IP). Its default leaky bucket makes
    every order wait cost x 50 ms even when idle. Sockets are not compressed: inflating every
    book update costs the event loop more than the bandwidth it saves a desktop."""
    config: dict[str, Any] = {"enableRateLimit": True, "timeout": timeout_ms,
                              "rateLimiterAlgorithm": "rollingWindow", "rollingWindowSize": 60_000,
                              "options": {"fetchCurrencies": False, "defaultType": default_type,
                                          "warnOnFetchOpenOrdersWithoutSymbol": False, "fetchMargins": False,
                                          "ws": {"compress": 0},
                                          "fetchMarkets": {"types": ["spot" if default_type == "spot" else "linear"]}}}
    if api_key:
        config.update(apiKey=api_key, secret=secret)
    return config


def point_at(ex: Any, server: Server, proxy: str, host: str, streams: dict[str, str], ws_api: dict[str, str]) -> None:
    """The server's hosts in place of ccxt's: sandbox, demo, or a base URL (the loopback fake)."""
    if server.sandbox:
        ex.set_sandbox_mode(True)
    if server.demo:
        ex.enable_demo_trading(True)
        ex.urls["api"]["ws"]["linear"] = DEMO_FUTURES_STREAMS
    if server.rest:
        api = ex.urls["api"]
        for key, url in list(api.items()):
            if isinstance(url, str) and host in url:
                api[key] = server.rest + url.split(host, 1)[1]
        api["ws"] = {**api["ws"], **streams, "ws-api": {**api["ws"]["ws-api"], **ws_api}}
    for name, url in proxy_attributes(proxy).items():
        setattr(ex, name, url)


class CcxtWire:
    """What the futures and spot clients share: one ccxt.pro instance, its symbols, and a limit
    on how long a WebSocket API answer is awaited."""

    def __init__(self, ex: Any, api_key: str) -> None:
        self.ex = ex
        self.has_key = bool(api_key)
        self.symbols: dict[str, str] = {}       # Binance id -> ccxt symbol

    async def close(self) -> None:
        await self.ex.close()

    def unified(self, symbol: str) -> str:
        return self.symbols.get(symbol) or symbol

    async def _answer(self, request: Any) -> Any:
        """ccxt waits for a WebSocket API answer without a limit; we give it the REST timeout."""
        from ccxt.base.errors import RequestTimeout

        try:
            return await asyncio.wait_for(request, self.ex.timeout / 1000)
        except asyncio.TimeoutError as error:
            raise RequestTimeout("no answer from the WebSocket API") from error


class BinanceClient(CcxtWire):
    def __init__(self, server: Server, api_key: str = "", secret: str = "", proxy: str = "",
                 timeout_ms: int = 10_000) -> None:
        import ccxt.pro as ccxtpro  # here, not at import: ccxt takes half a second to load

        super().__init__(ccxtpro.binanceusdm(ccxt_config(api_key, secret, timeout_ms, "future")), api_key)
        point_at(self.ex, server, proxy, "fapi.binance.com", {"linear": server.ws + "/ws"},
                 {"linear": server.ws + "/ws-fapi/v1"})

    # --- public -----------------------------------------------------------------------------------
    async def exchange_info(self) -> list[dict]:
        markets = await self.ex.load_markets(reload=True)
        self.symbols = {m["id"]: m["symbol"] for m in markets.values() if m.get("linear") and m.get("swap")}
        return [m["info"] for m in markets.values() if m["id"] in self.symbols]

    async def leverage_brackets(self) -> list[dict]:
        return await self.ex.fapiPrivateGetLeverageBracket()

    async def commission(self, symbol: str) -> dict:
        return await self.ex.fapiPrivateGetCommissionRate({"symbol": symbol})

    async def open_interest(self, symbol: str) -> dict:
        return await self.ex.fapiPublicGetOpenInterest({"symbol": symbol})

    async def open_interest_history(self, symbol: str, period: str, start_ms: int, limit: int) -> list[dict]:
        return await self.ex.fapiDataGetOpenInterestHist({"symbol": symbol, "period": period, "startTime": start_ms,
                                                          "limit": limit})

    async def book_tickers(self) -> list[dict]:
        """Every symbol's best bid and ask (weight 5)."""
        return await self.ex.fapiPublicGetTickerBookTicker()

    async def tickers_24h(self) -> list[dict]:
        """Every symbol's 24h ticker (weight 40)."""
        return await self.ex.fapiPublicGetTicker24hr()

    async def premium_index(self) -> list[dict]:
        return await self.ex.fapiPublicGetPremiumIndex()

    async def klines(self, symbol: str, interval: str, start_ms: int, limit: int) -> list[list]:
        return await self.ex.fapiPublicGetKlines({"symbol": symbol, "interval": interval, "startTime": start_ms,
                                                  "limit": limit})

    async def funding_history(self, symbol: str, start_ms: int, limit: int) -> list[dict]:
        return await self.ex.fapiPublicGetFundingRate({"symbol": symbol, "startTime": start_ms, "limit": limit})

    async def watch_book(self, symbol: str) -> tuple[list, list, int]:
        """Diff-depth stream on a 50-level snapshot (weight 2; 1,000 levels would cost 20)."""
        book = await self.ex.watch_order_book(self.unified(symbol), BOOK_SNAPSHOT)
        return book["bids"][:5], book["asks"][:5], int(book.get("nonce") or 0)

    async def watch_mark(self, symbol: str) -> dict:
        return (await self.ex.watch_mark_price(self.unified(symbol)))["info"]

    async def watch_all_marks(self) -> list[dict]:
        return [t["info"] for t in (await self.ex.watch_mark_prices()).values()]

    async def watch_all_tickers(self) -> list[dict]:
        tickers = await self.ex.watch_tickers()
        return [t["info"] for t in tickers.values()]

    # --- private ----------------------------------------------------------------------------------
    async def create_order(self, symbol: str, plan: OrderPlan) -> dict:
        """Plain orders over the WebSocket API (order.place: no HTTP round trip per order);
        conditional ones over REST to the Algo Order API. No answer within the timeout raises
        RequestTimeout: the order may or may not be there."""
        unified = self.unified(symbol)
        if plan.type in ALGO_TYPES:
            order = await self.ex.create_order(unified, plan.type, plan.side, plan.amount, plan.price,
                                               dict(plan.params))
        else:
            order = await self._answer(self.ex.create_order_ws(unified, plan.type, plan.side, plan.amount, plan.price,
                                                               dict(plan.params)))
        return order["info"]

    async def cancel_order(self, symbol: str, client_id: str, algo: bool) -> dict:
        unified = self.unified(symbol)
        if algo:
            return (await self.ex.cancel_order("", unified, {"clientAlgoId": client_id, "trigger": True}))["info"]
        return (await self._answer(self.ex.cancel_order_ws("", unified, {"origClientOrderId": client_id})))["info"]

    async def cancel_all(self, symbol: str) -> None:
        await self.ex.cancel_all_orders(self.unified(symbol))

    async def order(self, symbol: str, client_id: str, algo: bool) -> dict:
        if algo:
            return await self.ex.fapiPrivateGetAlgoOrder({"clientAlgoId": client_id})
        return await self.ex.fapiPrivateGetOrder({"symbol": symbol, "origClientOrderId": client_id})

    async def open_orders(self, symbol: str | None) -> list[dict]:
        """One symbol's (weight 1), or every symbol's (None: weight 40)."""
        return await self.ex.fapiPrivateGetOpenOrders({"symbol": symbol} if symbol else {})

    async def trades_since(self, symbol: str, start_ms: int) -> list[dict]:
        return await self.ex.fapiPrivateGetUserTrades({"symbol": symbol, "startTime": start_ms, "limit": 1000})

    async def income(self, income_type: str, start_ms: int) -> list[dict]:
        """Income history (funding, commission, ...) from `start_ms`, oldest first (weight 30)."""
        return await self.ex.fapiPrivateGetIncome({"incomeType": income_type, "startTime": start_ms, "limit": 1000})

    async def positions(self) -> list[dict]:
        return await self.ex.fapiPrivateV3GetPositionRisk()

    async def account(self) -> dict:
        return await self.ex.fapiPrivateV3GetAccount()

    async def hedge_mode(self) -> bool:
        answer = await self.ex.fapiPrivateGetPositionSideDual()
        return str(answer.get("dualSidePosition")).lower() == "true"

    async def set_hedge_mode(self, hedge: bool) -> None:
        await self.ex.fapiPrivatePostPositionSideDual({"dualSidePosition": "true" if hedge else "false"})

    async def set_leverage(self, symbol: str, leverage: int) -> dict:
        return await self.ex.fapiPrivatePostLeverage({"symbol": symbol, "leverage": leverage})

    async def set_margin_type(self, symbol: str, isolated: bool) -> None:
        await self.ex.fapiPrivatePostMarginType({"symbol": symbol, "marginType": "ISOLATED" if isolated else "CROSSED"})

    # --- the user stream ---------------------------------------------------------------------------
    async def watch_orders(self) -> list[dict]:
        """Order updates since the last call (ORDER_TRADE_UPDATE and ALGO_UPDATE `o` objects);
        several updates of one order may arrive as its latest."""
        return [o["info"] for o in await self.ex.watch_orders()]

    async def watch_trades(self) -> list[dict]:
        """Every fill since the last call, one per Binance trade id (never merged)."""
        return [t["info"] for t in await self.ex.watch_my_trades()]

    async def watch_account(self) -> dict:
        """The latest ACCOUNT_UPDATE as Binance sent it (its reason in `a.m`)."""
        return (await self.ex.watch_balance()).get("info") or {}

    def used_weight(self) -> int:
        """This IP's request weight in the last minute, from the newest REST answer's header."""
        headers = self.ex.last_response_headers or {}
        value = next((v for k, v in headers.items() if k.lower() == "x-mbx-used-weight-1m"), 0)
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0

    async def user_stream_connected(self) -> None:
        """Returns once the user stream's socket is open (after a watch has been started)."""
        while True:
            for url, client in list(self.ex.clients.items()):
                if "listenKey=" in url:
                    await client.connected
                    return
            await asyncio.sleep(0.01)

    async def keep_alive(self) -> None:
        """Renews the listenKey; raises when Binance no longer knows it (expired)."""
        await self.ex.fapiPrivatePutListenKey()

    async def drop_user_stream(self) -> None:
        """Forget the listenKey and close its socket: the next watch makes a new one."""
        for url, client in list(self.ex.clients.items()):
            if "listenKey=" in url:
                await client.close()
                self.ex.clients.pop(url, None)
        linear = self.ex.options.get("linear") or {}
        self.ex.options["linear"] = {**linear, "listenKey": None, "lastAuthenticatedTime": 0}


def http_status(error: Exception) -> int | None:
    """418/429 and friends, as ccxt words them ("binanceusdm 418 ...")."""
    for status in (418, 429):
        if f" {status} " in f" {error} ":
            return status
    return None


def is_network(error: Exception) -> bool:
    """No answer (timeout, refused connection, dropped socket): the request may or may not
    have reached Binance."""
    from ccxt.base import errors

    return isinstance(error, errors.NetworkError) and not is_rate_limit(error)


def is_rate_limit(error: Exception) -> bool:
    from ccxt.base import errors

    return isinstance(error, (errors.RateLimitExceeded, errors.DDoSProtection))


def is_order_missing(error: Exception) -> bool:
    from ccxt.base import errors

    return isinstance(error, errors.OrderNotFound) or '"code":-2013' in str(error).replace(" ", "")



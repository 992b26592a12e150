"""The spot wire: the only module that calls ccxt's spot `binance`. Like client.py it hands back
Binance's raw payloads. Spot's user data stream is served only over the WebSocket API now
(userDataStream.subscribe.signature, no listenKey), on the same socket that places orders."""

from __future__ import annotations

import asyncio

from .client import BOOK_SNAPSHOT, CcxtWire, Server, ccxt_config, point_at
from .mapping import OrderPlan


class SpotClient(CcxtWire):
    def __init__(self, server: Server, api_key: str = "", secret: str = "", proxy: str = "",
                 timeout_ms: int = 10_000) -> None:
        import ccxt.pro as ccxtpro

        super().__init__(ccxtpro.binance(ccxt_config(api_key, secret, timeout_ms, "spot")), api_key)
        # "/stream" in the path is how ccxt tells a spot socket (stream.binance.com) from a futures one
        point_at(self.ex, server, proxy, "api.binance.com", {"spot": server.ws + "/stream/spot/ws"},
                 {"spot": server.ws + "/ws-api/v3"})

    # --- public -----------------------------------------------------------------------------------
    async def exchange_info(self) -> list[dict]:
        markets = await self.ex.load_markets(reload=True)
        self.symbols = {m["id"]: m["symbol"] for m in markets.values() if m.get("spot")}
        return [m["info"] for m in markets.values() if m.get("spot")]

    async def klines(self, symbol: str, interval: str, start_ms: int, limit: int) -> list[list]:
        return await self.ex.publicGetKlines({"symbol": symbol, "interval": interval, "startTime": start_ms,
                                              "limit": min(limit, 1000)})

    async def watch_book(self, symbol: str) -> tuple[list, list, int]:
        book = await self.ex.watch_order_book(self.unified(symbol), BOOK_SNAPSHOT)
        return book["bids"][:5], book["asks"][:5], int(book.get("nonce") or 0)

    async def watch_ticker(self, symbol: str) -> dict:
        return (await self.ex.watch_ticker(self.unified(symbol)))["info"]

    # --- private ----------------------------------------------------------------------------------
    async def create_order(self, symbol: str, plan: OrderPlan) -> dict:
        return (await self._answer(self.ex.create_order_ws(self.unified(symbol), plan.type, plan.side, plan.amount,
                                                           plan.price, dict(plan.params))))["info"]

    async def cancel_order(self, symbol: str, client_id: str) -> dict:
        return (await self._answer(self.ex.cancel_order_ws("", self.unified(symbol),
                                                           {"origClientOrderId": client_id})))["info"]

    async def cancel_all(self, symbol: str) -> None:
        await self.ex.privateDeleteOpenOrders({"symbol": symbol})

    async def order(self, symbol: str, client_id: str) -> dict:
        return await self.ex.privateGetOrder({"symbol": symbol, "origClientOrderId": client_id})

    async def open_orders(self) -> list[dict]:
        """Every symbol's open orders (weight 80)."""
        return await self.ex.privateGetOpenOrders()

    async def trades_since(self, symbol: str, start_ms: int) -> list[dict]:
        return await self.ex.privateGetMyTrades({"symbol": symbol, "startTime": start_ms, "limit": 1000})

    async def account(self) -> dict:
        return await self.ex.privateGetAccount({"omitZeroBalances": "true"})

    # --- the user stream ---------------------------------------------------------------------------
    async def watch_orders(self) -> list[dict]:
        return [o["info"] for o in await self.ex.watch_orders()]

    async def watch_trades(self) -> list[dict]:
        return [t["info"] for t in await self.ex.watch_my_trades()]

    async def watch_account(self) -> dict:
        return (await self.ex.watch_balance()).get("info") or {}

    async def user_stream_connected(self) -> None:
        """Returns once the WebSocket API has confirmed the user data subscription."""
        url = self.ex.urls["api"]["ws"]["ws-api"]["spot"]
        while True:
            client = self.ex.clients.get(url)
            if client is not None and client.subscriptions.get("spot") is True \
                    and "authenticate:signature:spot" not in client.futures:
                await client.connected
                return
            await asyncio.sleep(0.01)

    async def keep_alive(self) -> None:
        """No listenKey to renew: raises once the WebSocket API socket is gone."""
        from ccxt.base.errors import NetworkError

        client = self.ex.clients.get(self.ex.urls["api"]["ws"]["ws-api"]["spot"])
        connection = getattr(client, "connection", None)
        if connection is None or connection.closed:
            raise NetworkError("the spot user data socket is closed")

    async def drop_user_stream(self) -> None:
        url = self.ex.urls["api"]["ws"]["ws-api"]["spot"]
        client = self.ex.clients.pop(url, None)
        if client is not None:
            await client.close()

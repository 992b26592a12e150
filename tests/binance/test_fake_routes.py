"""The loopback exchange routes futures streams as Binance does since 2026-04-23: books on /public,
marks and tickers on /market, and the unrouted URLs are gone. A client that subscribes a stream on
the wrong route hears nothing, here as there."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest


async def _events_on(url: str, streams: list[str], move, until: str) -> list[str]:
    """The event types a route pushes while the book moves twice, read until the second `until`.
    Every stream is pushed per move in one order, books first, so anything the route carried
    from the first move has arrived by then."""
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        await ws.send_json({"method": "SUBSCRIBE", "params": streams, "id": 1})
        assert json.loads((await ws.receive(30)).data) == {"result": None, "id": 1}
        move(59000.0)
        move(59001.0)
        seen: list[str] = []
        while seen.count(until) < 2:
            seen.append(json.loads((await ws.receive(30)).data)["e"])
        return seen


BOTH = ["btcusdt@depth@100ms", "btcusdt@markPrice@1s"]


@pytest.mark.parametrize(("route", "carried", "silent"), [("public", "depthUpdate", "markPriceUpdate"),
                                                          ("market", "markPriceUpdate", "depthUpdate")])
def test_a_route_pushes_its_own_streams_and_nothing_of_the_other(exchange, route, carried, silent):
    seen = asyncio.run(_events_on(f"{exchange.ws_url}/{route}/ws", BOTH,
                                  lambda bid: exchange.set_book("BTCUSDT", bid, bid + 0.1), carried))
    assert silent not in seen


@pytest.mark.parametrize("path", ["/ws", "/ws/btcusdt@depth", "/stream?streams=btcusdt@depth"])
def test_the_retired_unrouted_urls_refuse_the_handshake(exchange, path):
    async def connect() -> int:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(exchange.ws_url + path):
                    return 101
            except aiohttp.WSServerHandshakeError as refused:
                return refused.status

    assert asyncio.run(connect()) == 404

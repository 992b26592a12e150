"""Small wire helpers the loopback Binance's futures and spot halves share."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .fake_venue import _s


async def send(ws: web.WebSocketResponse, payload: Any) -> None:
    try:
        await ws.send_json(payload)
    except (ConnectionError, RuntimeError):
        pass        # a socket closing under us: its client reconnects and gap-fills


def text(value: Any) -> str:
    """A JSON parameter as it is signed: booleans as true/false."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def levels(pairs: list[tuple[float, float]]) -> list[list[str]]:
    return [[_s(price), _s(qty)] for price, qty in pairs if price > 0]


def integer(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def error(status: int, code: int, msg: str) -> web.Response:
    return web.json_response({"code": code, "msg": msg}, status=status)

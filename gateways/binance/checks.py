"""What `lianghua check` asks about Binance: whether ccxt (with its WebSocket part) and aiohttp
load, and their versions."""

from __future__ import annotations


def _ccxt() -> str:
    import aiohttp
    import ccxt
    import ccxt.pro  # noqa: F401  (the WebSocket part the gateway streams with)

    return f"ccxt {ccxt.__version__}, aiohttp {aiohttp.__version__}"


CHECKS = (("Binance (ccxt)", False, _ccxt),)

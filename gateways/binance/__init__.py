"""Binance USD-M perpetuals through ccxt (REST and WebSocket), for crypto trading."""

from .gateway import BinanceGateway

__all__ = ["BinanceGateway"]

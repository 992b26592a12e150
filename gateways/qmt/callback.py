"""The callback object xtquant calls by method name on its callback thread. A plain class: the
SDK's `XtQuantTraderCallback` base cannot be imported off Windows, and the SDK only looks the
methods up by name. Pushes from a trader that has since been replaced are ignored."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .gateway import QmtGateway


class TraderCallback:
    def __init__(self, gateway: QmtGateway, generation: int) -> None:
        self.gateway = gateway
        self.generation = generation

    def _current(self) -> bool:
        return self.generation == self.gateway.generation

    def on_connected(self) -> None:
        """Defined by the SDK, never called by it."""

    def on_disconnected(self) -> None:
        if self._current():
            self.gateway.handle_disconnected()

    def on_account_status(self, status: Any) -> None:
        if self._current():
            self.gateway.handle_account_status(status)

    def on_stock_asset(self, asset: Any) -> None:
        if self._current():
            self.gateway.handle_asset(asset)

    def on_stock_order(self, order: Any) -> None:
        if self._current():
            self.gateway.handle_order(order)

    def on_stock_trade(self, trade: Any) -> None:
        if self._current():
            self.gateway.handle_trade(trade)

    def on_stock_position(self, position: Any) -> None:
        if self._current():
            self.gateway.handle_position(position)

    def on_order_error(self, error: Any) -> None:
        if self._current():
            self.gateway.handle_order_error(error)

    def on_cancel_error(self, error: Any) -> None:
        if self._current():
            self.gateway.handle_cancel_error(error)

    def on_order_stock_async_response(self, reply: Any) -> None:
        if self._current():
            self.gateway.handle_order_response(reply)

    def on_cancel_order_stock_async_response(self, reply: Any) -> None:
        if self._current():
            self.gateway.handle_cancel_response(reply)

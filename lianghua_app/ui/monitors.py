"""vnpy's monitors with the extra column a trader needs: why an order was refused."""

from __future__ import annotations

from typing import Any

from vnpy.trader.ui.widget import ActiveOrderMonitor, BaseCell, OrderMonitor

from ..i18n import tr


class ReasonCell(BaseCell):
    def set_content(self, content: Any, data: Any) -> None:
        super().set_content((content or {}).get("reason", ""), data)


def _with_reason(headers: dict) -> dict:
    return {**headers, "extra": {"display": tr("说明"), "cell": ReasonCell, "update": True}}


class ExplainedOrderMonitor(OrderMonitor):
    headers = _with_reason(OrderMonitor.headers)


class ExplainedActiveOrderMonitor(ActiveOrderMonitor):
    headers = _with_reason(ActiveOrderMonitor.headers)

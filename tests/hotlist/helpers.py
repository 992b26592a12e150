"""What more than one test module uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from apps.hotlist.scoring import Snapshot

T0 = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
SYMBOLS = [f"C{i:02d}USDT.GLOBAL" for i in range(30)]


def universe(hours: int = 80, change=None) -> list[Snapshot]:
    """`hours` hourly snapshots of a calm market; `change(hour, columns)` edits one hour's columns."""
    rng = np.random.default_rng(3)
    n = len(SYMBOLS)
    base_volume = np.linspace(5e7, 2e8, n)
    price = np.full(n, 100.0)
    history = []
    for hour in range(hours):
        price = price * (1 + rng.normal(0, 0.002, n))
        columns = {"last": price.copy(), "quote_volume": base_volume * (1 + rng.normal(0, 0.02, n)),
                   "change_percent": np.zeros(n), "funding_rate": 0.0001 + rng.normal(0, 0.00001, n),
                   "open_interest": np.full(n, 1e6) * (1 + rng.normal(0, 0.002, n)), "bid": price - 0.01,
                   "ask": price + 0.01, "tick": np.full(n, 0.01), "listed_days": np.full(n, 400.0),
                   "tradfi": np.zeros(n)}
        if change:
            change(hour, columns)
        history.append(Snapshot(T0 + timedelta(hours=hour), list(SYMBOLS), columns))
    return history

"""Chart axes that read like the tables: 1,000,000 rather than 1e+06, and no hidden
"x1e+06" scale factor."""

from __future__ import annotations

import math

import pyqtgraph as pg


class NumberAxis(pg.AxisItem):
    def __init__(self, orientation: str = "left") -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing) -> list[str]:
        places = max(0, min(8, -math.floor(math.log10(spacing)))) if spacing > 0 else 0
        return [f"{value * scale:,.{places}f}" for value in values]

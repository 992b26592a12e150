"""Chart axes that read like the tables: 1,000,000 rather than 1e+06, and no hidden
"x1e+06" scale factor; dates in Beijing time whatever the computer's zone, with numbers instead
of English day and month names."""

from __future__ import annotations

import copy
import math

import pyqtgraph as pg


class NumberAxis(pg.AxisItem):
    def __init__(self, orientation: str = "left") -> None:
        super().__init__(orientation)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing) -> list[str]:
        places = max(0, min(8, -math.floor(math.log10(spacing)))) if spacing > 0 else 0
        return [f"{value * scale:,.{places}f}" for value in values]


BEIJING_OFFSET = -8 * 3600                      # pyqtgraph's utcOffset: seconds west of UTC
NAMED = {"%a %d": "%m-%d", "%b": "%Y-%m"}       # "Wed 02" and "Nov" would be English


class DateAxis(pg.DateAxisItem):
    def __init__(self, orientation: str = "bottom") -> None:
        super().__init__(orientation, utcOffset=BEIJING_OFFSET)
        self.zoomLevels = copy.deepcopy(self.zoomLevels)
        for level in self.zoomLevels.values():
            for spec in level.tickSpecs:
                spec.format = NAMED.get(spec.format, spec.format)

"""What the tables show, computed from the detector's arrays: rankings, the limit-up and
limit-down boards, sector aggregates and the sectors' rotation over the day. Pure functions of
the state, so they are tested without Qt."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from lianghua_app.markets import CHINA_TZ

from .detector import Detector
from .limits import LimitSide


@dataclass(frozen=True)
class Quote:
    vt_symbol: str
    name: str
    last: float
    change: float       # % against the previous close
    volume: float
    turnover: float


@dataclass(frozen=True)
class LimitEntry:
    quote: Quote
    first_seal: datetime | None
    last_seal: datetime | None
    seal_volume: float
    seal_amount: float
    breaks: int
    sealed: bool


@dataclass(frozen=True)
class SectorStat:
    name: str
    custom: bool            # a watchlist, not an industry
    members: int
    average_change: float
    advancers: int
    decliners: int
    turnover: float
    leader: Quote | None


@dataclass(frozen=True)
class MarketView:
    time: datetime | None
    rankings: dict[str, list[Quote]]
    limit_up: list[LimitEntry]
    limit_down: list[LimitEntry]
    sectors: list[SectorStat]
    advancers: int
    decliners: int
    watched: int


def _quote(detector: Detector, row: int, change: np.ndarray) -> Quote:
    return Quote(detector.universe.symbols[row], detector.universe.names[row], float(detector.last[row]),
                 float(change[row]), float(detector.volume[row]), float(detector.turnover[row]))


def _top(values: np.ndarray, candidates: np.ndarray, count: int, descending: bool = True) -> np.ndarray:
    if not len(candidates):
        return candidates
    keys = -values[candidates] if descending else values[candidates]
    if len(candidates) > count:
        part = np.argpartition(keys, count - 1)[:count]
        candidates, keys = candidates[part], keys[part]
    return candidates[np.argsort(keys, kind="stable")]


def _stamp(value: float) -> datetime | None:
    return datetime.fromtimestamp(value, CHINA_TZ) if value else None


def limit_board(detector: Detector, side: LimitSide, rows: np.ndarray, change: np.ndarray) -> list[LimitEntry]:
    """Symbols that sealed the limit today, in order of their first seal; a broken seal stays
    listed with its break count."""
    n = len(detector.universe)
    chosen = rows[(side.first_seal[:n][rows] > 0)]
    chosen = chosen[np.argsort(side.first_seal[chosen], kind="stable")]
    limit = detector.limit_up if side.up else detector.limit_down
    return [LimitEntry(_quote(detector, r, change), _stamp(side.first_seal[r]), _stamp(side.last_seal[r]),
                       float(side.seal_volume[r]), float(side.seal_volume[r] * limit[r]), int(side.breaks[r]),
                       bool(side.sealed[r])) for r in chosen]


def sector_stats(detector: Detector, sectors: dict[str, list[str]], custom: set[str],
                 change: np.ndarray) -> list[SectorStat]:
    """Per sector, over its members that have traded today: average change, advancers and
    decliners, turnover and the leader. Sorted strongest first."""
    rows_of, seen = detector.universe.rows, detector.seen
    stats = []
    for name, members in sectors.items():
        rows = np.array([rows_of[s] for s in members if s in rows_of], dtype=np.int64)
        rows = rows[seen[rows]] if len(rows) else rows
        if not len(rows):
            stats.append(SectorStat(name, name in custom, len(members), 0.0, 0, 0, 0.0, None))
            continue
        moves = change[rows]
        leader = int(rows[np.argmax(moves)])
        stats.append(SectorStat(name, name in custom, len(members), float(moves.mean()), int((moves > 0).sum()),
                                int((moves < 0).sum()), float(detector.turnover[rows].sum()),
                                _quote(detector, leader, change)))
    return sorted(stats, key=lambda s: -s.average_change)


def market_view(detector: Detector, sectors: dict[str, list[str]], custom: set[str], count: int = 50) -> MarketView:
    n = len(detector.universe)
    change = detector.change_pct()
    rows = np.flatnonzero(detector.seen[:n] & detector.in_scope[:n])
    rankings = {
        "gainers": _top(change, rows, count),
        "losers": _top(change, rows, count, descending=False),
        "volume": _top(detector.volume, rows, count),
        "turnover": _top(detector.turnover, rows, count),
    }
    moves = change[rows]
    return MarketView(
        time=datetime.fromtimestamp(detector.minute * 60, CHINA_TZ) if detector.minute else None,
        rankings={k: [_quote(detector, int(r), change) for r in v] for k, v in rankings.items()},
        limit_up=limit_board(detector, detector.up, rows, change),
        limit_down=limit_board(detector, detector.down, rows, change),
        sectors=sector_stats(detector, sectors, custom, change),
        advancers=int((moves > 0).sum()), decliners=int((moves < 0).sum()), watched=len(rows))


@dataclass
class Rotation:
    """The sectors' average change sampled once a minute through the day; the view ranks them
    at checkpoints, so a trader sees which sectors led when and which are rising."""
    samples: dict[datetime, dict[str, float]] = field(default_factory=dict)

    def record(self, moment: datetime, stats: list[SectorStat]) -> None:
        minute = moment.replace(second=0, microsecond=0)
        if self.samples and next(iter(self.samples)).date() != minute.date():
            self.samples.clear()
        self.samples[minute] = {s.name: s.average_change for s in stats if not s.custom}

    def ranks(self, every_minutes: int = 30) -> tuple[list[datetime], list[tuple[str, list[int], float]]]:
        """Checkpoints (every N minutes, and the latest) and, per sector strongest first, its
        rank at each checkpoint and the change of its average move since the first one."""
        if not self.samples:
            return [], []
        times = sorted(self.samples)
        first = times[0]
        checkpoints = [t for t in times if int((t - first).total_seconds() // 60) % every_minutes == 0]
        if checkpoints[-1] != times[-1]:
            checkpoints.append(times[-1])
        ranked = {t: {name: i + 1 for i, name in enumerate(sorted(self.samples[t], key=lambda k: -self.samples[t][k]))}
                  for t in checkpoints}
        latest = self.samples[times[-1]]
        rows = [(name, [ranked[t].get(name, 0) for t in checkpoints], latest[name] - self.samples[first].get(name, 0.0))
                for name in sorted(latest, key=lambda k: -latest[k])]
        return checkpoints, rows

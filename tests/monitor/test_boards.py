"""Rankings, the limit-up board, sector aggregates and rotation, from the detector's state."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from apps.monitor.boards import Rotation, market_view
from apps.monitor.detector import Detector
from lianghua_app.markets import CHINA_TZ
from tests.helpers import quote_frame

OPEN = datetime(2024, 6, 3, 9, 30, tzinfo=CHINA_TZ)
BANKS = {"600001.SSE": 10.5, "600002.SSE": 9.8, "600003.SSE": 10.3}      # +5%, -2%, +3%
CHIPS = {"688001.SSE": 12.0, "688002.SSE": 11.0}                          # +20% (limit), +10%


@pytest.fixture
def view():
    detector = Detector()
    quotes = {s: {"last": p, "volume": 1_000.0 * (i + 1), "turnover": 10_000.0 * (i + 1)}
              for i, (s, p) in enumerate({**BANKS, **CHIPS}.items())}
    quotes["688001.SSE"].update(limit_up=12.0, limit_down=8.0, ask_volume=0.0, bid_volume=70_000.0)
    quotes["688002.SSE"].update(limit_up=12.0, limit_down=8.0)
    detector.process(quote_frame(OPEN, quotes))
    sectors = {"银行": list(BANKS), "半导体": list(CHIPS), "我的自选": ["600002.SSE", "688002.SSE"]}
    return market_view(detector, sectors, {"我的自选"}, count=3)


def test_gainers_and_losers_are_ranked_by_change_and_cut_to_the_count(view):
    assert [q.vt_symbol for q in view.rankings["gainers"]] == ["688001.SSE", "688002.SSE", "600001.SSE"]
    assert [q.vt_symbol for q in view.rankings["losers"]] == ["600002.SSE", "600003.SSE", "600001.SSE"]
    assert view.rankings["gainers"][0].change == pytest.approx(20.0)
    assert view.rankings["turnover"][0].vt_symbol == "688002.SSE"
    assert (view.advancers, view.decliners, view.watched) == (4, 1, 5)


def test_the_limit_up_board_lists_the_sealed_stock_with_seal_time_and_size(view):
    [entry] = view.limit_up
    assert entry.quote.vt_symbol == "688001.SSE" and entry.sealed and entry.breaks == 0
    assert entry.first_seal == OPEN and entry.seal_volume == 70_000 and entry.seal_amount == 840_000


def test_sector_aggregates_average_count_sum_and_name_the_leader(view):
    stats = {s.name: s for s in view.sectors}
    banks, chips, mine = stats["银行"], stats["半导体"], stats["我的自选"]
    assert banks.average_change == pytest.approx(2.0) and (banks.advancers, banks.decliners) == (2, 1)
    assert banks.turnover == 60_000 and banks.leader.vt_symbol == "600001.SSE"
    assert chips.average_change == pytest.approx(15.0) and chips.leader.vt_symbol == "688001.SSE"
    assert mine.custom and not banks.custom and mine.members == 2
    assert [s.name for s in view.sectors][0] == "半导体"


def test_rotation_ranks_sectors_at_each_checkpoint_of_the_day(view):
    rotation = Rotation()
    base = [s for s in view.sectors if not s.custom]
    rotation.record(OPEN, base)
    later = [type(s)(**{**s.__dict__, "average_change": {"银行": 4.0, "半导体": -1.0}[s.name]}) for s in base]
    rotation.record(OPEN + timedelta(minutes=30), later)
    checkpoints, rows = rotation.ranks(every_minutes=30)
    assert checkpoints == [OPEN, OPEN + timedelta(minutes=30)]
    assert rows[0][0] == "银行" and rows[0][1] == [2, 1] and rows[0][2] == pytest.approx(2.0)
    assert rows[1] == ("半导体", [1, 2], pytest.approx(-16.0))

"""The hotlist's arithmetic on constructed universes: each term moves its symbol up while a quiet
control stays put, robust z-scores, hysteresis, filters, and what bad input says."""

from __future__ import annotations

import numpy as np
import pytest

from apps.hotlist.config import HotlistConfig, parse
from apps.hotlist.filters import crypto_eligible
from apps.hotlist.ranking import Context, rank
from apps.hotlist.scoring import Scored, robust_z, top_with_hysteresis
from tests.hotlist.helpers import SYMBOLS, universe

HOT, CONTROL = "C07USDT.GLOBAL", "C20USDT.GLOBAL"


def only(term: str) -> HotlistConfig:
    config = HotlistConfig()
    config.raw["crypto"]["weights"] = {name: float(name == term) for name in config.raw["crypto"]["weights"]}
    config.raw["crypto"]["filters"]["min_quote_volume"]["on"] = False
    return config


def place(history, config, symbol) -> int:
    scored = rank("crypto", history, config, Context()).scored
    order = [scored.vt_symbols[i] for i in np.argsort(-scored.score, kind="stable")]
    return order.index(symbol)


def at_last_hour(edit):
    def change(hour, columns):
        if hour == 79:
            edit(columns, SYMBOLS.index(HOT))
    return change


@pytest.mark.parametrize(("term", "edit"), [
    ("vol_jump", lambda c, i: c["quote_volume"].__setitem__(i, c["quote_volume"][i] * 4)),
    ("oi_delta", lambda c, i: c["open_interest"].__setitem__(i, c["open_interest"][i] * 1.3)),
    ("funding_z", lambda c, i: c["funding_rate"].__setitem__(i, 0.0009)),
])
def test_each_term_lifts_the_symbol_it_describes_and_leaves_a_quiet_control_in_place(term, edit):
    calm, hot = universe(), universe(change=at_last_hour(edit))
    assert place(hot, only(term), HOT) == 0
    assert place(hot, only(term), CONTROL) == pytest.approx(place(calm, only(term), CONTROL), abs=1)


def test_a_volatility_regime_shift_lifts_the_symbol_whose_moves_grew():
    def wild(hour, columns):
        if hour >= 70:
            i = SYMBOLS.index(HOT)
            columns["last"][i] *= 1.05 if hour % 2 else 0.95
    assert place(universe(change=wild), only("regime_shift"), HOT) == 0


def test_turnover_ranks_the_busiest_symbol_first():
    assert place(universe(), only("turnover"), SYMBOLS[-1]) == 0


def test_robust_z_caps_outliers_and_reads_missing_as_the_median():
    z = robust_z(np.array([1.0, 2.0, 3.0, np.nan, 1e9]))
    assert z[3] == 0.0 and z[4] == 5.0 and abs(z[1]) < 1
    assert robust_z(np.array([np.nan, np.nan])).tolist() == [0.0, 0.0]


def test_a_listed_symbol_stays_while_it_ranks_within_the_margin_and_leaves_beyond_it():
    symbols = [f"S{i}" for i in range(10)]
    scored = Scored(symbols, {}, {}, np.arange(10, 0, -1, dtype=float))
    eligible = np.ones(10, dtype=bool)
    assert top_with_hysteresis(scored, eligible, ["S4"], 3, 2) == ["S0", "S1", "S4"]     # 5th: within 3 + 2
    assert top_with_hysteresis(scored, eligible, ["S6"], 3, 2) == ["S0", "S1", "S2"]     # 7th: beyond it
    assert top_with_hysteresis(scored, eligible, [], 3, 2) == ["S0", "S1", "S2"]


def test_each_filter_names_why_a_symbol_is_left_out_and_can_be_switched_off():
    columns = universe(hours=1)[0].columns
    columns["listed_days"][0], columns["quote_volume"][1] = 3.0, 1e5
    columns["bid"][2], columns["tradfi"][3] = columns["last"][2] * 0.99, 1.0
    config = HotlistConfig().market("crypto")["filters"]
    config["blacklist"]["symbols"] = [SYMBOLS[4]]
    config["held"]["on"] = True
    eligible, reasons = crypto_eligible(columns, SYMBOLS, config, held={SYMBOLS[5]})
    assert not eligible[:6].any() and eligible[6:].all()
    assert ["上市" in reasons[0], "成交额" in reasons[1], "价差" in reasons[2], "TradFi" in reasons[3],
            "黑名单" in reasons[4], "已持有" in reasons[5]] == [True] * 6
    config["listing_age"]["on"] = False
    assert crypto_eligible(columns, SYMBOLS, config, held=set())[0][0]


def test_a_weight_that_is_not_a_number_is_refused_with_its_name():
    config, errors = parse({"crypto": {"weights": {"vol_jump": "high"}}})
    assert config is None and "crypto.weights.vol_jump" in errors[0] and "数字" in errors[0]
    assert parse({"crypto": {"weights": {"momentum": 1}}})[1][0].startswith("crypto没有评分项")


def test_an_empty_universe_and_a_symbol_without_history_say_so():
    assert "没有可排名" in rank("crypto", [], HotlistConfig(), Context()).message
    ranking = rank("crypto", universe(hours=1), only("vol_jump"), Context())
    assert ranking.top and all("历史不足" in c.tags for c in ranking.top)


def test_ashare_filters_leave_out_st_suspended_penny_and_thin_shares_with_their_reasons():
    from apps.hotlist.filters import ASHARE_FILTERS, ashare_eligible

    symbols = ["600001.SSE", "600002.SSE", "600003.SSE", "600004.SSE", "600005.SSE"]
    columns = {"last": np.array([10.0, 10.0, 1.5, 10.0, 10.0]), "volume": np.array([1e7, 0, 1e7, 1e7, 1e7]),
               "turnover": np.array([1e8, 0, 1.5e7 * 10, 1e8, 1e5])}
    names = ["*ST华信", "中国国贸", "一元股份", "平安银行", "冷门科技"]
    eligible, reasons = ashare_eligible(columns, symbols, names, ASHARE_FILTERS, held=set())
    assert eligible.tolist() == [False, False, False, True, False]
    words = ("ST", "停牌", "最小变动价位", None, "成交额")
    assert all(word in reason for word, reason in zip(words, reasons, strict=True) if word)

"""Numbers and times as a trader reads them."""

from datetime import UTC, datetime

import pytest
from vnpy.trader.constant import Interval

from lianghua_app import formatting
from lianghua_app.markets import CHINA_TZ


@pytest.mark.parametrize(("value", "text"), [(1_000_000.0, "1,000,000.00"), (5.1, "5.10"), (-1234.5, "-1,234.50"),
                                             (float("nan"), "—"), (None, "—")])
def test_money_is_shown_to_the_fen_with_separators(value, text):
    assert formatting.money(value) == text


@pytest.mark.parametrize(("value", "text"), [(1e6, "1,000,000"), (150.0, "150"), (0.015, "0.015"),
                                             (2e16, "20,000,000,000,000,000")])
def test_quantities_have_no_point_zero_and_no_exponent(value, text):
    assert formatting.quantity(value) == text


@pytest.mark.parametrize(("value", "digits", "text"), [(2966.1, None, "2,966.10"), (0.000123, None, "0.000123"),
                                                       (11.0, 2, "11.00"), (59957.3, 1, "59,957.3")])
def test_prices_keep_at_least_two_places_or_the_contracts(value, digits, text):
    assert formatting.price(value, digits) == text


def test_percentages_carry_a_sign_and_percent():
    assert (formatting.percent(5.1), formatting.percent(-0.456), formatting.percent(3, signed=False)) == \
        ("+5.10%", "-0.46%", "3.00%")


@pytest.mark.usefixtures("machine_zone")
def test_times_are_beijing_clock_with_zero_padded_milliseconds():
    assert formatting.clock(datetime(2026, 12, 1, 17, 41, 31, 5_000, tzinfo=UTC)) == "01:41:31.005"
    local_now = datetime(2026, 12, 1, 9, 30, 0, 50_000)                 # naive: the computer's clock
    assert formatting.clock(local_now) == formatting.clock(local_now.astimezone())


def test_daily_bars_show_their_date_without_a_time_of_day():
    moment = datetime(2024, 6, 3, tzinfo=CHINA_TZ)
    assert formatting.bar_time(moment, Interval.DAILY) == "2024-06-03"
    assert formatting.bar_time(moment.replace(hour=9, minute=31), Interval.MINUTE) == "2024-06-03 09:31"
    assert formatting.bar_time(datetime(2024, 6, 3, 16, 0, tzinfo=UTC), Interval.DAILY) == "2024-06-04"


def test_chart_dates_read_in_beijing_time_with_numbers_not_english_names(qtbot, machine_zone):
    from datetime import UTC, datetime

    import pyqtgraph as pg

    from lianghua_app.ui.axes import DateAxis

    axis = DateAxis()
    chart = pg.PlotWidget(axisItems={"bottom": axis})
    qtbot.addWidget(chart)
    chart.resize(800, 300)
    chart.show()
    noon = datetime(2026, 12, 2, 4, 0, tzinfo=UTC).timestamp()            # 12:00 in Beijing

    def labels(span: float) -> list[str]:
        chart.setXRange(noon - span, noon + span, padding=0)
        chart.grab()                                                        # drawn: the axis knows its font
        return [text for spacing, values in axis.tickValues(noon - span, noon + span, 800)
                for text in axis.tickStrings(values, 1, spacing)]

    assert "12:00" in labels(6 * 3600) and "12-02" in labels(6 * 3600)
    days = labels(6 * 86400)
    assert "2026-12" in days and not any(name in " ".join(days) for name in ("Mon", "Tue", "Wed", "Dec"))

"""A self-contained HTML report of one backtest: statistics, charts as embedded images,
round trips and trades."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from lianghua_app.i18n import tr

from .engine import BacktestConfig, BacktestResult

TRADE_ROWS = 2000        # a report stays readable; the CSV export has every fill


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def write_html(path: Path, config: BacktestConfig, result: BacktestResult, images: dict[str, bytes]) -> None:
    """`images`: title -> PNG bytes of a chart."""
    stats = [[key, value] for key, value in result.statistics.items()]
    trips = [[t.direction, f"{t.entry_time:%Y-%m-%d %H:%M}", f"{t.exit_time:%Y-%m-%d %H:%M}", t.entry_price,
              t.exit_price, t.volume, t.pnl, round(t.holding_days, 3)] for t in result.trips[:TRADE_ROWS]]
    trades = [[f"{t.datetime:%Y-%m-%d %H:%M:%S}", t.direction.name, t.offset.name, t.price, t.volume,
               result.fees.get(t.vt_tradeid, 0.0)] for t in result.trades[:TRADE_ROWS]]
    charts = "".join(f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' "
                     f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>" for title, png in images.items())
    title = (f"{config.strategy} {config.vt_symbol} {config.interval.value} "
             f"{config.start:%Y-%m-%d} ~ {config.end:%Y-%m-%d}")
    text = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:1em}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}img{{max-width:100%}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(tr("参数"))}: {html.escape(str(config.setting))}; {html.escape(tr("规则"))}: {config.rules or "auto"};
{html.escape(tr("K线数"))}: {result.bar_count}</p>
<h2>{html.escape(tr("统计"))}</h2>{_table([tr("指标"), tr("数值")], stats)}
{charts}
<h2>{html.escape(tr("往返交易"))}</h2>{_table([tr("方向"), tr("开仓"), tr("平仓"), tr("开仓价"), tr("平仓价"),
                                                  tr("数量"), tr("盈亏"), tr("持有天数")], trips)}
<h2>{html.escape(tr("成交"))}</h2>{_table([tr("时间"), tr("方向"), tr("开平"), tr("价格"), tr("数量"), tr("费用")],
                                            trades)}
</body></html>"""
    Path(path).write_text(text, encoding="utf-8")

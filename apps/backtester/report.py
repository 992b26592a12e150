"""A self-contained HTML report of one backtest: statistics, charts as embedded images,
round trips and trades."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from lianghua_app.formatting import interval_words
from lianghua_app.i18n import tr

from . import labels
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
    stats = labels.statistic_rows(result.statistics, config.vt_symbol, config.capital)
    trips = labels.trip_rows(config, result)[:TRADE_ROWS]
    trades = labels.trade_rows(config, result)[:TRADE_ROWS]
    charts = "".join(f"<h2>{html.escape(title)}</h2><img alt='{html.escape(title)}' "
                     f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>" for title, png in images.items())
    title = tr("{strategy} 回测：{symbol} {interval} {start:%Y-%m-%d} 至 {end:%Y-%m-%d}", strategy=config.strategy,
               symbol=config.vt_symbol, interval=interval_words(config.interval), start=config.start,
               end=config.end)
    rules = {"ashare": tr("A股规则"), "crypto": tr("永续合约规则"), "none": tr("不加规则（与vnpy一致）")}
    rule = rules.get(config.rules, tr("按交易所自动选择"))
    text = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:1em}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:right}}img{{max-width:100%}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{html.escape(tr("参数"))}：{html.escape(labels.setting_words(config.setting))}；{html.escape(tr("规则"))}：\
{html.escape(rule)}；{html.escape(tr("K线数"))}：{result.bar_count:,}</p>
<h2>{html.escape(tr("统计"))}</h2>{_table([tr("指标"), tr("数值")], stats)}
{charts}
<h2>{html.escape(tr("往返交易"))}</h2>{_table([tr("方向"), tr("开仓"), tr("平仓"), tr("开仓价"), tr("平仓价"),
                                                  tr("数量"), tr("盈亏"), tr("持有天数")], trips)}
<h2>{html.escape(tr("成交"))}</h2>{_table([tr("时间"), tr("委托号"), tr("买卖"), tr("价格"), tr("数量"), tr("费用")],
                                            trades)}
</body></html>"""
    Path(path).write_text(text, encoding="utf-8")

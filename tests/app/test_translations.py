"""English is a real choice: the i18n helper finds the table in resources/, every label of the
window, the ticket, the settings, the CTA dialog and the backtest statistics has an entry, and
the window speaks English when the profile says so."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from lianghua_app import i18n
from lianghua_app.settings import SCHEMA
from tests.helpers import PROJECT

TRANSLATED = [*sorted((PROJECT / "lianghua_app" / "ui").glob("*.py")), PROJECT / "apps" / "backtester" / "labels.py",
              PROJECT / "apps" / "cta_strategy" / "ui.py", PROJECT / "apps" / "hotlist" / "ui.py",
              PROJECT / "apps" / "portfolio_manager" / "ui.py",
              PROJECT / "lianghua_app" / "markets" / "__init__.py",
              PROJECT / "lianghua_app" / "formatting.py"]


def labels_in(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "tr" and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            found.add(node.args[0].value)
    return found


@pytest.fixture
def english():
    i18n.set_locale("en")
    yield
    i18n.set_locale("zh_CN")


def test_the_english_table_ships_in_resources_and_the_helper_finds_it():
    path = i18n.TRANSLATIONS_DIR / "en.json"
    assert path == PROJECT / "resources" / "translations" / "en.json" and path.exists()
    assert json.loads(path.read_text(encoding="utf-8"))["夏普比率"] == "Sharpe ratio"


@pytest.mark.parametrize("path", TRANSLATED, ids=lambda p: p.name)
def test_every_label_of_the_translated_screens_has_an_english_entry(path):
    table = json.loads((i18n.TRANSLATIONS_DIR / "en.json").read_text(encoding="utf-8"))
    missing = sorted(label for label in labels_in(path) if label not in table)
    assert missing == []


def test_every_setting_is_described_in_english():
    table = json.loads((i18n.TRANSLATIONS_DIR / "en.json").read_text(encoding="utf-8"))
    assert sorted(spec.help for spec in SCHEMA.values() if spec.help not in table) == []


def test_the_window_speaks_english_when_english_is_chosen(english, qtbot, engine, data_dir):
    from lianghua_app.ui.main_window import MainWindow

    window = MainWindow(engine, data_dir.layout_file, confirm_exit=False)
    qtbot.addWidget(window)
    menus = [action.text() for action in window.menuBar().actions()]
    assert menus == ["System", "View", "Help"]
    assert window.docks["ticks"].windowTitle() == "Quotes"
    assert window.docks["app:Backtester"].windowTitle() == "Backtest"
    ticket = window.widgets["trading"]
    ticket.exchange_combo.setCurrentText("SSE")
    assert [ticket.direction_combo.itemText(i) for i in range(2)] == ["Buy", "Sell"]
    assert [label.text() for label in ticket.level_labels][:2] == ["Ask 5", "Ask 4"]

"""One translation helper: the UI speaks Chinese by default, English through a table.

Source strings are the Chinese labels; `resources/translations/<locale>.json` maps them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "translations"
_locale = "zh_CN"


def set_locale(locale: str) -> None:
    global _locale
    _locale = locale


@lru_cache(maxsize=8)
def _table(locale: str) -> dict[str, str]:
    path = TRANSLATIONS_DIR / f"{locale}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def tr(text: str, **values: object) -> str:
    """Translate `text` to the current locale, then fill `{name}` placeholders."""
    translated = _table(_locale).get(text, text) if _locale != "zh_CN" else text
    return translated.format(**values) if values else translated

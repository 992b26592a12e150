"""Icons from resources/icons: one for the app and one for each panel and app dock."""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtGui

ICONS_DIR = Path(__file__).resolve().parents[2] / "resources" / "icons"


def icon_path(name: str) -> Path:
    return ICONS_DIR / f"{name}.svg"


def icon(name: str) -> QtGui.QIcon:
    """An empty icon when the file is missing: a window without an icon still works."""
    path = icon_path(name)
    return QtGui.QIcon(str(path)) if path.exists() else QtGui.QIcon()

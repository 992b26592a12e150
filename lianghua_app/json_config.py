"""An app's configuration kept as JSON in the profile: read with a parser that refuses a bad
file whole (the defaults apply, with the reason), written atomically."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .i18n import tr

Config = TypeVar("Config")


def load_config(path: Path, parse: Callable[[dict], tuple[Config | None, list[str]]],
                default: Callable[[], Config], label: str) -> tuple[Config, list[str]]:
    """The stored configuration; the defaults and what is wrong when it is missing or broken."""
    if not path.exists():
        return default(), []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return default(), [tr("{label} {path} 无法读取（{error}），已使用默认值", label=label, path=path, error=error)]
    config, errors = parse(raw if isinstance(raw, dict) else {})
    return (config, []) if config else (default(), errors)


def apply_config(path: Path, raw: dict, parse: Callable[[dict], tuple[Config | None, list[str]]]
                 ) -> tuple[Config | None, list[str]]:
    """A configuration the user changed: checked whole, then written; nothing written when wrong."""
    config, errors = parse(raw)
    if errors:
        return None, errors
    save_config(path, config.to_dict())
    return config, []


def save_config(path: Path, data: dict) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    temporary.replace(path)

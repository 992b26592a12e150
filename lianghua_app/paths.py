"""One data directory per profile: settings, database, logs and layouts live under it."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .i18n import tr

ENV_HOME = "LIANGHUA_HOME"
DEFAULT_PROFILE = "default"
_PROFILE_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{1,40}$")


class ProfileUnusable(RuntimeError):
    """The profile cannot be opened; the message says why and what to do."""


@dataclass(frozen=True)
class DataDir:
    """The folder of one profile and the well-known files inside it."""

    root: Path

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    @property
    def database_file(self) -> Path:
        return self.root / "lianghua.db"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def layout_file(self) -> Path:
        return self.root / "layout.json"

    @property
    def vnpy_dir(self) -> Path:
        """Where vnpy keeps its own files (strategy settings, data) for this profile."""
        return self.root / ".vntrader"

    def create(self) -> DataDir:
        try:
            for folder in (self.root, self.logs_dir, self.vnpy_dir):
                folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ProfileUnusable(tr("无法创建或写入数据文件夹{root}（{error}）：请检查该路径是否可写、"
                                     "磁盘是否已满或只读，或用 --data-dir 选择另一个文件夹", root=self.root,
                                     error=error.strerror or error)) from error
        return self


def resolve_data_dir(data_dir: str | Path | None = None, profile: str = DEFAULT_PROFILE) -> DataDir:
    """`data_dir` (the --data-dir option) wins, then LIANGHUA_HOME, then ~/LiangHua."""
    if not _PROFILE_PATTERN.match(profile):
        raise ValueError(f"profile name {profile!r} may only use letters, digits, '_' and '-' (1-40 chars)")
    if data_dir:
        base = Path(data_dir)
    elif os.environ.get(ENV_HOME):
        base = Path(os.environ[ENV_HOME])
    else:
        base = Path.home() / "LiangHua"
    return DataDir(base.expanduser().resolve() / profile)

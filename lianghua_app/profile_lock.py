"""One process per profile. Two workstations on one profile would each keep their own book and
journal half of the trades, so the second start is refused and told who holds the profile.

The lock is an OS file lock (released by the OS when the holder dies, however it dies) on
`instance.lock`; who holds it is written beside it in `instance.json`, which is not locked so
that the second process can read it on Windows too.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path

from .i18n import tr
from .markets import CHINA_TZ
from .paths import ProfileUnusable


class ProfileInUse(ProfileUnusable):
    def __init__(self, root: Path, holder: dict) -> None:
        self.root, self.holder = root, holder
        super().__init__(tr("配置{root}已被另一个量化进程使用（进程号{pid}，{started}启动，命令：{command}）。"
                            "请先关闭那个窗口，或用 --profile 选择另一个配置",
                            root=root, pid=holder.get("pid", "?"), started=holder.get("started", "?"),
                            command=holder.get("command", "?")))


def _try_lock(handle) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class ProfileLock:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.lock_file = root / "instance.lock"
        self.info_file = root / "instance.json"
        self.handle = None

    def acquire(self) -> ProfileLock:
        """Take the profile or raise ProfileInUse naming the process that has it."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_file, "a+b")  # noqa: SIM115 - held open for the process's life
        if not _try_lock(handle):
            handle.close()
            raise ProfileInUse(self.root, self._holder())
        self.handle = handle
        info = {"pid": os.getpid(), "started": f"{datetime.now(CHINA_TZ):%Y-%m-%d %H:%M:%S}",
                "command": " ".join(sys.argv)[:200]}
        self.info_file.write_text(json.dumps(info, ensure_ascii=False), encoding="utf-8")
        return self

    def _holder(self) -> dict:
        try:
            return json.loads(self.info_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def release(self) -> None:
        if self.handle is None:
            return
        try:
            self.info_file.unlink(missing_ok=True)
        except OSError:
            pass
        self.handle.close()     # closing the file releases the OS lock
        self.handle = None

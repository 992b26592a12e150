"""`lianghua check`: is this installation usable?"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

from .i18n import tr
from .paths import DataDir


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    required: bool = True

    @property
    def label(self) -> str:
        if self.ok:
            return "OK"
        return "FAIL" if self.required else "WARN"


def run_checks(data_dir: DataDir) -> list[CheckResult]:
    checks: list[tuple[str, bool, Callable[[], str]]] = [
        ("Python", True, _python),
        ("Qt platform plugin", True, _qt_platform),
        ("TA-Lib", True, _talib),
        ("Database", True, lambda: _database(data_dir)),
        ("OS keyring", False, _keyring),
        ("QMT (xtquant)", False, _xtquant),
    ]
    results = [_run(name, required, probe) for name, required, probe in checks]
    results += _plugins()
    return results


def _run(name: str, required: bool, probe: Callable[[], str]) -> CheckResult:
    try:
        return CheckResult(name, True, probe(), required)
    except Exception as error:  # a check reports, it never crashes
        return CheckResult(name, False, str(error) or type(error).__name__, required)


def _python() -> str:
    if sys.version_info < (3, 10):  # noqa: UP036 - reported, not assumed
        raise RuntimeError(tr("需要 Python 3.10 或更高版本，当前 {version}", version=sys.version.split()[0]))
    return sys.version.split()[0]


def _qt_platform() -> str:
    # In a child process: a missing platform plugin aborts the process instead of raising.
    code = "from PySide6.QtWidgets import QApplication; app = QApplication([]); print(app.platformName())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise RuntimeError(tr("Qt 无法启动：{error}（Linux 无显示器时可设置 QT_QPA_PLATFORM=offscreen）", error=last))
    return done.stdout.strip()


def _talib() -> str:
    import numpy as np
    import talib

    value = talib.SMA(np.arange(1.0, 6.0), 5)[-1]
    if value != 3.0:
        raise RuntimeError(f"SMA returned {value}")
    return talib.__version__


def _database(data_dir: DataDir) -> str:
    import sqlite3

    data_dir.create()
    connection = sqlite3.connect(data_dir.database_file)
    try:
        connection.execute("CREATE TABLE IF NOT EXISTS lianghua_check (x INTEGER)")
        connection.execute("DROP TABLE lianghua_check")
        connection.commit()
    finally:
        connection.close()
    return str(data_dir.database_file)


def _keyring() -> str:
    import keyring

    backend = keyring.get_keyring()
    name = type(backend).__name__
    if "fail" in name.lower() or getattr(backend, "priority", 1) <= 0:
        raise RuntimeError(tr("没有可用的系统钥匙串（{name}）；无法保存实盘账户密码", name=name))
    return name


def _xtquant() -> str:
    from gateways.qmt.sdk import load_pure_modules, native_available

    load_pure_modules()
    ok, _ = native_available()
    if not ok:
        raise RuntimeError("xtquant native part not available on this OS" if sys.platform != "win32"
                           else tr("xtquant 原生模块无法加载，请确认安装了与 Python 匹配的 xtquant"))
    return "native client available"


def _plugins() -> list[CheckResult]:
    from .plugins import all_plugins

    results = []
    for plugin in all_plugins():
        name = f"{plugin.kind} {plugin.name}"
        results.append(_run(name, True, lambda p=plugin: p.load().__qualname__))
    return results


def print_report(results: list[CheckResult]) -> None:
    width = max(len(r.name) for r in results) + 2
    for result in results:
        print(f"{result.label:<5} {result.name:<{width}} {result.detail}")
    usable = all(r.ok or not r.required for r in results)
    print(tr("结论：可以使用") if usable else tr("结论：安装不完整，请按上面 FAIL 行的提示处理"))

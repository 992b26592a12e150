"""`lianghua check`: is this installation usable?"""

from __future__ import annotations

import inspect
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
        ("Chinese font", False, _cjk_font),
        ("TA-Lib", True, _talib),
        ("Database", True, lambda: _database(data_dir)),
        ("OS keyring", False, _keyring),
    ]
    results = [_run(name, required, probe) for name, required, probe in checks]
    results += _plugins(data_dir)
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


def _in_qt(statement: str) -> str:
    """What `statement` prints in a child process with a QApplication: a missing platform plugin
    aborts the process instead of raising."""
    code = f"from PySide6.QtWidgets import QApplication; from PySide6.QtGui import QFontDatabase; " \
           f"app = QApplication([]); {statement}"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise RuntimeError(tr("Qt 无法启动：{error}（Linux 无显示器时可设置 QT_QPA_PLATFORM=offscreen；"
                              "缺少 xcb 库时见 README 的安装说明）", error=last))
    return done.stdout.strip()


def _qt_platform() -> str:
    return _in_qt("print(app.platformName())")


def _cjk_font() -> str:
    families = _in_qt("print('\\n'.join(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)))")
    if not families:
        raise RuntimeError(tr("没有找到中文字体：界面上的中文会显示成方框。Linux 上请安装 fonts-noto-cjk"
                              "（sudo apt-get install fonts-noto-cjk）"))
    return families.splitlines()[0]


def _talib() -> str:
    import numpy as np
    import talib

    value = talib.SMA(np.arange(1.0, 6.0), 5)[-1]
    if value != 3.0:
        raise RuntimeError(f"SMA returned {value}")
    return talib.__version__


def _database(data_dir: DataDir) -> str:
    """The profile's database can be written and has no damaged pages."""
    import sqlite3

    try:
        data_dir.create()
        probe = data_dir.root / ".write_check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise RuntimeError(tr("配置文件夹{root}不可写（{error}）：请检查权限、磁盘空间或是否为只读盘",
                              root=data_dir.root, error=error.strerror or error)) from error
    try:
        connection = sqlite3.connect(data_dir.database_file)
        try:
            verdict = connection.execute("PRAGMA integrity_check(20)").fetchall()
            connection.execute("CREATE TABLE IF NOT EXISTS lianghua_check (x INTEGER)")
            connection.execute("DROP TABLE lianghua_check")
            connection.commit()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        from .storage import database_hint

        raise RuntimeError(f"{database_hint(error)}（{error}）") from error
    problems = [row[0] for row in verdict if row[0] != "ok"]
    if problems:
        raise RuntimeError(tr("数据库有损坏的页面（{first}等{count}处）：请关闭程序，备份后从最近的备份恢复{path}",
                              first=problems[0], count=len(problems), path=data_dir.database_file))
    return str(data_dir.database_file)


def _keyring() -> str:
    import keyring

    from .secrets import is_os_keyring

    backend = keyring.get_keyring()
    name = type(backend).__name__
    if "fail" in name.lower() or getattr(backend, "priority", 1) <= 0:
        raise RuntimeError(tr("没有可用的系统钥匙串（{name}）；无法保存实盘账户密码", name=name))
    if not is_os_keyring(backend):
        raise RuntimeError(tr("当前钥匙串{name}（{module}）把密码存在文件里，不是系统钥匙串；请卸载keyrings.alt"
                              "或在keyring的配置中选择系统钥匙串后再保存实盘密码", name=name,
                              module=type(backend).__module__))
    return name


def _plugins(data_dir: DataDir) -> list[CheckResult]:
    """Each plugin loads, and answers its own checks."""
    from .plugins import all_plugins

    results = []
    for plugin in all_plugins():
        results.append(_run(f"{plugin.kind} {plugin.name}", True, lambda p=plugin: p.load().__qualname__))
        try:
            checks = plugin.load_checks()
        except Exception as error:  # a check reports, it never crashes
            results.append(CheckResult(f"{plugin.name} checks", False, str(error), False))
            continue
        results += [_run(name, required, _with_profile(probe, data_dir)) for name, required, probe in checks]
    return results


def _with_profile(probe: Callable, data_dir: DataDir) -> Callable[[], str]:
    """A plugin's probe may ask for the profile (to read its settings and keys)."""
    return (lambda: probe(data_dir)) if inspect.signature(probe).parameters else probe


def print_report(results: list[CheckResult]) -> None:
    width = max(len(r.name) for r in results) + 2
    for result in results:
        print(f"{result.label:<5} {result.name:<{width}} {result.detail}")
    usable = all(r.ok or not r.required for r in results)
    print(tr("结论：可以使用") if usable else tr("结论：安装不完整，请按上面 FAIL 行的提示处理"))

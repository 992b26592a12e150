"""Discovery and hot reload of strategies: the project's `strategies/` folder plus the ones
vnpy_ctastrategy ships. One broken file is reported (file, line, message) and never stops
the others; its last good classes stay available."""

from __future__ import annotations

import ctypes
import importlib
import importlib.util
import pkgutil
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from vnpy_ctastrategy import CtaTemplate, TargetPosTemplate

from .i18n import tr

PROJECT_STRATEGIES = Path(__file__).resolve().parent.parent / "strategies"
MODULE_PREFIX = "lianghua_user_strategies"
IMPORT_SECONDS = 10.0     # a file that takes longer to import is given up (an endless loop at import)


@dataclass(frozen=True)
class StrategyFileError:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return tr("策略文件{name}第{line}行出错：{message}", name=self.path.name, line=self.line,
                  message=self.message)


class StrategyRegistry:
    def __init__(self, folder: Path | None = None, include_bundled: bool = True,
                 import_seconds: float = IMPORT_SECONDS) -> None:
        self.folder = folder or PROJECT_STRATEGIES
        self.import_seconds = import_seconds
        self.classes: dict[str, type[CtaTemplate]] = {}
        self.origins: dict[str, Path | None] = {}
        self.errors: dict[Path, StrategyFileError] = {}
        self._stamps: dict[Path, tuple[float, int]] = {}
        self._file_classes: dict[Path, dict[str, type[CtaTemplate]]] = {}
        self._bundled = {cls.__name__: cls for cls in _bundled_classes()} if include_bundled else {}
        self.poll()

    def _rebuild(self) -> list[str]:
        """The classes on offer: vnpy's bundled ones, then each file's in name order (a later file
        shadows an earlier one, and a file shadows a bundled class). Returns what is shadowed."""
        classes: dict[str, type[CtaTemplate]] = dict(self._bundled)
        origins: dict[str, Path | None] = dict.fromkeys(self._bundled)
        shadowed = []
        for path in sorted(self._file_classes):
            for name, cls in self._file_classes[path].items():
                if name in classes:
                    where = origins[name].name if origins[name] else tr("vnpy自带策略")
                    shadowed.append(tr("策略类{name}同时定义在{old}和{new}中，使用{new}中的版本；删除或改名其中一个",
                                       name=name, old=where, new=path.name))
                classes[name], origins[name] = cls, path
        self.classes.clear()
        self.classes.update(classes)
        self.origins = origins
        return shadowed

    def poll(self) -> list[str]:
        """Load new or edited files and drop deleted ones; returns what happened, for the log."""
        events: list[str] = []
        present = {p.resolve(): p.stat() for p in sorted(self.folder.glob("*.py")) if not p.name.startswith("_")} \
            if self.folder.is_dir() else {}
        changed = False
        for path in [p for p in self._stamps if p not in present]:
            self._file_classes.pop(path, None)
            self._stamps.pop(path)
            self.errors.pop(path, None)
            events.append(tr("策略文件{name}已删除", name=path.name))
            changed = True
        for path, stat in present.items():
            stamp = (stat.st_mtime, stat.st_size)
            if self._stamps.get(path) == stamp:
                continue
            self._stamps[path] = stamp
            events.append(self._load_file(path))
            changed = True
        if changed or not self.classes:
            shadowed = self._rebuild()
            if changed:
                events += shadowed
        return events

    def _load_file(self, path: Path) -> str:
        module_name = f"{MODULE_PREFIX}.{path.stem}"
        try:
            module = _import_in_time(module_name, path, self.import_seconds)
        except BaseException as error:  # anything in a user's file, sys.exit() too, must not stop the app
            problem = _describe(error, path)
            self.errors[path] = problem
            return str(problem) + tr("；其余策略不受影响") + (
                tr("，继续使用上次加载成功的版本") if self._file_classes.get(path) else "")
        self.errors.pop(path, None)
        self._file_classes[path] = {cls.__name__: cls for cls in _strategy_classes(module)}
        names = list(self._file_classes[path])
        if not names:
            return tr("策略文件{name}中没有找到CtaTemplate子类", name=path.name)
        return tr("已加载策略文件{name}：{classes}", name=path.name, classes=", ".join(names))


def class_from_source(name: str, code: str, filename: str) -> type[CtaTemplate]:
    """Strategy class `name` built from a file's text, in a process that cannot see the file
    (an optimiser worker, maybe on another machine); "" for code means one vnpy ships."""
    if not code:
        found = next((cls for cls in _bundled_classes() if cls.__name__ == name), None)
        if found is None:
            raise LookupError(name)
        return found
    module_name = f"{MODULE_PREFIX}.{Path(filename).stem}"
    _ensure_package()
    module = ModuleType(module_name)
    module.__file__ = filename
    sys.modules[module_name] = module
    exec(compile(code, filename, "exec"), module.__dict__)
    return next(cls for cls in _strategy_classes(module) if cls.__name__ == name)


def _bundled_classes() -> Iterator[type[CtaTemplate]]:
    import vnpy_ctastrategy.strategies as bundled

    for info in pkgutil.iter_modules(bundled.__path__):
        yield from _strategy_classes(importlib.import_module(f"{bundled.__name__}.{info.name}"))


def _ensure_package() -> None:
    """The parent package of user strategy modules, so they can be pickled and imported by name."""
    if MODULE_PREFIX not in sys.modules:
        package = ModuleType(MODULE_PREFIX)
        package.__path__ = []
        sys.modules[MODULE_PREFIX] = package


class ImportTimeout(RuntimeError):
    pass


def _import_in_time(module_name: str, path: Path, seconds: float) -> ModuleType:
    """Import on a thread of its own; one that does not finish in time (an endless loop at
    import) is interrupted and reported, and the folder's other files still load."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["module"] = _import_file(module_name, path)
        except BaseException as error:  # noqa: B036 - SystemExit from the file is its outcome
            outcome["error"] = error

    worker = threading.Thread(target=run, name=f"import-{path.name}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        interrupt_thread(worker)
        raise ImportTimeout(tr("导入超过{seconds:g}秒仍未完成（文件顶层可能有死循环或阻塞调用），已放弃",
                               seconds=seconds))
    if "error" in outcome:
        raise outcome["error"]
    return outcome["module"]


def interrupt_thread(thread: threading.Thread) -> None:
    """Raise SystemExit inside a runaway thread of user code. It takes effect at its next Python
    instruction: a Python loop stops; a blocking C call stops only when it returns."""
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(SystemExit))


def _import_file(module_name: str, path: Path) -> ModuleType:
    _ensure_package()
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    previous = sys.modules.get(module_name)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if previous is not None:
            sys.modules[module_name] = previous
        else:
            sys.modules.pop(module_name, None)
        raise
    return module


def _strategy_classes(module: ModuleType) -> list[type[CtaTemplate]]:
    return [value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, CtaTemplate)
            and value not in (CtaTemplate, TargetPosTemplate) and value.__module__ == module.__name__]


def _describe(error: BaseException, path: Path) -> StrategyFileError:
    if isinstance(error, SyntaxError) and error.lineno:
        return StrategyFileError(path, error.lineno, f"{type(error).__name__}: {error.msg}")
    if isinstance(error, ImportTimeout):
        return StrategyFileError(path, 0, str(error))
    line = 0
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename).resolve() == path:
            line = frame.lineno or 0
    if isinstance(error, SystemExit):
        return StrategyFileError(path, line, tr("文件在导入时调用了sys.exit({code})，已忽略", code=error.code))
    return StrategyFileError(path, line, f"{type(error).__name__}: {error}")

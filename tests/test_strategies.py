"""The strategies folder: discovery, hot reload, and one broken file isolated."""

import textwrap
from pathlib import Path

import pytest

from lianghua_app.strategies import PROJECT_STRATEGIES, StrategyRegistry

GOOD = textwrap.dedent('''
    from vnpy_ctastrategy import CtaTemplate

    class {name}(CtaTemplate):
        window: int = {window}
        parameters = ["window"]
''')


def write(folder: Path, filename: str, text: str) -> Path:
    path = folder / filename
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def registry(tmp_path) -> StrategyRegistry:
    return StrategyRegistry(tmp_path)


def test_bundled_vnpy_strategies_stay_available(registry):
    assert {"DoubleMaStrategy", "AtrRsiStrategy"} <= set(registry.classes)


def test_project_examples_load_without_errors():
    registry = StrategyRegistry(PROJECT_STRATEGIES)
    assert not registry.errors
    assert {"AshareTrendLotsStrategy", "RsiBollingerReversionStrategy", "MacdAdxTrendStrategy"} <= set(registry.classes)


def test_a_new_file_appears_after_the_next_poll(registry, tmp_path):
    write(tmp_path, "breakout.py", GOOD.format(name="Breakout", window=20))
    messages = registry.poll()
    assert "Breakout" in registry.classes
    assert messages == ["已加载策略文件breakout.py：Breakout"]


def test_an_edited_file_is_reloaded(registry, tmp_path):
    path = write(tmp_path, "breakout.py", GOOD.format(name="Breakout", window=20))
    registry.poll()
    path.write_text(GOOD.format(name="Breakout", window=55) + "\n# edited\n", encoding="utf-8")
    registry.poll()
    assert registry.classes["Breakout"].window == 55


def test_a_syntax_error_is_reported_with_file_and_line(registry, tmp_path):
    write(tmp_path, "broken.py", "from vnpy_ctastrategy import CtaTemplate\n\nclass Broken(CtaTemplate)\n    pass\n")
    messages = registry.poll()
    error = registry.errors[(tmp_path / "broken.py").resolve()]
    assert error.line == 3
    assert messages[0].startswith("策略文件broken.py第3行出错：SyntaxError")


def test_an_import_error_names_the_failing_line(registry, tmp_path):
    write(tmp_path, "missing.py", "import os\nimport not_a_real_module_xyz\n")
    registry.poll()
    error = registry.errors[(tmp_path / "missing.py").resolve()]
    assert (error.line, error.message.split(":")[0]) == (2, "ModuleNotFoundError")


def test_a_broken_file_leaves_the_other_strategies_working(registry, tmp_path):
    write(tmp_path, "good.py", GOOD.format(name="Good", window=5))
    write(tmp_path, "bad.py", "raise RuntimeError('boom')\n")
    registry.poll()
    assert "Good" in registry.classes and "DoubleMaStrategy" in registry.classes


def test_breaking_a_file_keeps_its_last_good_version(registry, tmp_path):
    path = write(tmp_path, "keep.py", GOOD.format(name="Keep", window=5))
    registry.poll()
    path.write_text("class Keep(:\n", encoding="utf-8")
    messages = registry.poll()
    assert registry.classes["Keep"].window == 5
    assert "继续使用上次加载成功的版本" in messages[0]


def test_a_deleted_file_takes_its_strategies_away(registry, tmp_path):
    path = write(tmp_path, "gone.py", GOOD.format(name="Gone", window=5))
    registry.poll()
    path.unlink()
    registry.poll()
    assert "Gone" not in registry.classes


def test_the_running_engine_picks_up_a_new_file_without_restart(data_dir, tmp_path, qtbot):
    from lianghua_app.bootstrap import build_engine, start_jobs
    from lianghua_app.settings import validate

    folder = tmp_path / "my_strategies"
    folder.mkdir()
    settings = validate({"strategies.folder": str(folder), "strategies.poll_seconds": 0.2, "sim.enabled": False})
    engine = build_engine(data_dir, settings)
    try:
        cta = engine.get_engine("CtaStrategy")
        cta.init_engine()
        start_jobs(engine)
        write(folder, "fresh.py", GOOD.format(name="Fresh", window=3))
        qtbot.waitUntil(lambda: "Fresh" in cta.classes, timeout=10_000)
    finally:
        engine.close()

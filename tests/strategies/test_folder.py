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


def test_sys_exit_at_import_is_reported_and_the_app_goes_on(registry, tmp_path):
    write(tmp_path, "quits.py", "import sys\n\nsys.exit(3)\n")
    write(tmp_path, "good.py", GOOD.format(name="Good", window=5))
    messages = registry.poll()
    error = registry.errors[(tmp_path / "quits.py").resolve()]
    assert error.line == 3 and "sys.exit(3)" in error.message
    assert "Good" in registry.classes
    assert any("quits.py" in m and "其余策略不受影响" in m for m in messages)


def test_an_endless_loop_at_import_is_given_up_and_reloading_goes_on(tmp_path):
    import threading

    from tests.helpers import wait_until

    registry = StrategyRegistry(tmp_path, import_seconds=2.0)
    write(tmp_path, "spins.py", "while True:\n    pass\n")
    messages = registry.poll()
    assert "spins.py" in messages[0] and "死循环" in messages[0]
    wait_until(lambda: not any(t.name == "import-spins.py" for t in threading.enumerate()), timeout=60)
    registry.import_seconds = 60         # the next file is imported with room to spare on a busy machine
    write(tmp_path, "later.py", GOOD.format(name="Later", window=5))
    registry.poll()
    assert "Later" in registry.classes


def test_a_class_defined_in_two_files_is_reported_and_deleting_one_restores_the_other(registry, tmp_path):
    write(tmp_path, "a_first.py", GOOD.format(name="Twin", window=1))
    second = write(tmp_path, "b_second.py", GOOD.format(name="Twin", window=2))
    messages = registry.poll()
    assert registry.classes["Twin"].window == 2
    assert any("Twin" in m and "a_first.py" in m and "b_second.py" in m for m in messages)
    second.unlink()
    registry.poll()
    assert registry.classes["Twin"].window == 1


def test_a_file_shadowing_a_bundled_strategy_gives_it_back_when_deleted(registry, tmp_path):
    from vnpy_ctastrategy.strategies.double_ma_strategy import DoubleMaStrategy

    path = write(tmp_path, "mine.py", GOOD.format(name="DoubleMaStrategy", window=9))
    messages = registry.poll()
    assert registry.classes["DoubleMaStrategy"].window == 9
    assert any("vnpy自带策略" in m for m in messages)
    path.unlink()
    registry.poll()
    assert registry.classes["DoubleMaStrategy"] is DoubleMaStrategy

"""`lianghua check` reports each part and says whether the installation is usable."""

import sys

from lianghua_app.check import CheckResult, run_checks
from lianghua_app.cli import main


def test_check_reports_every_plugin_and_core_part(data_dir):
    names = {result.name for result in run_checks(data_dir)}
    assert {"Python", "Qt platform plugin", "TA-Lib", "Database", "QMT (xtquant)", "gateway SIM",
            "app CtaStrategy"} <= names


def test_qmt_is_optional_and_says_when_its_native_part_is_missing(data_dir):
    from gateways.qmt.sdk import native_available

    qmt = next(r for r in run_checks(data_dir) if r.name == "QMT (xtquant)")
    assert qmt.required is False
    assert qmt.ok is native_available()[0]
    expected = "native client available" if qmt.ok else (
        "xtquant native part not available on this OS" if sys.platform != "win32" else qmt.detail)
    assert qmt.detail == expected


def test_check_exits_zero_when_usable(tmp_path, capsys):
    assert main(["check", "--data-dir", str(tmp_path)]) == 0
    assert "结论：可以使用" in capsys.readouterr().out


def test_a_failing_required_part_makes_check_exit_one(tmp_path, monkeypatch, capsys):
    import lianghua_app.check as check

    monkeypatch.setattr(check, "run_checks", lambda data_dir: [CheckResult("TA-Lib", False, "missing")])
    assert main(["check", "--data-dir", str(tmp_path)]) == 1
    assert "FAIL  TA-Lib" in capsys.readouterr().out

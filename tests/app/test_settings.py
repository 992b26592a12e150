"""Settings explain themselves; secrets go to the keyring, never to the file or the logs."""

import json

import pytest

from lianghua_app.secrets import get_secret, set_secret
from lianghua_app.settings import SettingsError, SettingsStore, validate


def test_a_bad_value_names_the_key_and_what_is_allowed():
    with pytest.raises(SettingsError) as error:
        validate({"sim.leverage": 500})
    assert error.value.problems == ["sim.leverage: 值 500 无效，允许：int 1 .. 125"]


def test_an_unknown_key_lists_the_known_ones():
    with pytest.raises(SettingsError, match="sim.levrage: 未知设置项；可用设置项：language"):
        validate({"sim.levrage": 5})


def test_a_bad_file_keeps_the_previous_good_settings(tmp_path):
    store = SettingsStore(tmp_path / "settings.json")
    store.update({"sim.seed": 7})
    (tmp_path / "settings.json").write_text('{"sim.seed": "seven"}', encoding="utf-8")
    settings = store.load()
    assert settings["sim.seed"] == 7
    assert store.problems[0].startswith("sim.seed: 值 （str类型的值） 无效")


def test_broken_json_is_reported_with_its_line(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{\n  "sim.seed": 7,\n}', encoding="utf-8")
    store = SettingsStore(path)
    store.load()
    assert "第3行JSON格式错误" in store.problems[0]


def test_an_invalid_update_changes_nothing(tmp_path):
    store = SettingsStore(tmp_path / "settings.json")
    store.update({"sim.seed": 7})
    with pytest.raises(SettingsError):
        store.update({"fees.commission_rate": 0.5})
    assert json.loads((tmp_path / "settings.json").read_text(encoding="utf-8")) == {"sim.seed": 7}


def test_a_password_in_the_settings_file_is_refused():
    with pytest.raises(SettingsError, match="qmt.password: 密钥类信息不得写入设置文件"):
        validate({"qmt.password": "hunter2"})


def test_secrets_go_to_the_keyring_and_never_to_the_profile(file_keyring, data_dir):
    set_secret("default", "binance.api_secret", "s3cr3t-value")
    assert get_secret("default", "binance.api_secret") == "s3cr3t-value"
    for path in data_dir.root.rglob("*"):
        if path.is_file():
            assert b"s3cr3t-value" not in path.read_bytes(), path


def test_cli_secret_set_reads_stdin_and_stores_in_keyring(file_keyring, tmp_path, monkeypatch, capsys):
    import io

    from lianghua_app.cli import main

    monkeypatch.setattr("sys.stdin", io.StringIO("pa55word\n"))
    assert main(["secret", "set", "qmt.password", "--data-dir", str(tmp_path / "home")]) == 0
    assert get_secret("default", "qmt.password") == "pa55word"
    assert "pa55word" not in capsys.readouterr().out


@pytest.mark.parametrize("key, text", [("fees.commission_rate", "NaN"), ("sim.tick_interval", "NaN"),
                                       ("sim.capital_cny", "Infinity")])
def test_a_nan_or_infinite_setting_is_refused_with_the_key(tmp_path, key, text):
    path = tmp_path / "settings.json"
    path.write_text(f'{{"{key}": {text}}}', encoding="utf-8")
    store = SettingsStore(path)
    settings = store.load()
    assert settings[key] == validate({})[key]
    assert store.problems[0].startswith(f"{key}: 值 ") and "有限数字" in store.problems[0]


def test_a_wrong_type_never_echoes_the_text_that_was_typed(tmp_path):
    with pytest.raises(SettingsError) as error:
        validate({"sim.seed": "https://oapi.dingtalk.com/robot/send?access_token=abc123"})
    assert "abc123" not in str(error.value)


def test_a_gbk_settings_file_is_explained_and_the_good_settings_stay(tmp_path):
    path = tmp_path / "settings.json"
    path.write_bytes('{"qmt.userdata_path": "C:\\\\国金QMT\\\\userdata_mini"}'.encode("gbk"))
    store = SettingsStore(path)
    settings = store.load()
    assert settings["qmt.userdata_path"] == ""
    assert "GBK" in store.problems[0] and "UTF-8" in store.problems[0]


def test_a_settings_file_that_is_a_folder_is_explained(tmp_path):
    path = tmp_path / "settings.json"
    path.mkdir()
    store = SettingsStore(path)
    store.load()
    assert "文件夹" in store.problems[0]


def test_a_nan_risk_or_monitor_parameter_is_refused():
    from apps.monitor.config import _param_problems
    from apps.risk_manager.config import parse

    assert "fast_move.pct" in _param_problems("fast_move", "pct", float("nan"))
    _, errors = parse({"enabled": {}, "params": {"max_volume": {"limit": float("nan")}}})
    assert errors and "max_volume.limit" in errors[0]

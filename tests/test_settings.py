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
    assert store.problems[0].startswith("sim.seed: 值 'seven' 无效")


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

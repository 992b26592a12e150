"""Credentials through the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service)."""

from __future__ import annotations

import keyring
from keyring.errors import KeyringError

from .i18n import tr

SERVICE = "LiangHua"


class SecretStoreError(RuntimeError):
    pass


def _name(profile: str, key: str) -> str:
    return f"{profile}:{key}"


def set_secret(profile: str, key: str, value: str) -> None:
    try:
        keyring.set_password(SERVICE, _name(profile, key), value)
    except KeyringError as error:
        raise SecretStoreError(tr("无法写入系统钥匙串（{error}）。Linux 上请安装并解锁 Secret Service"
                                  "（如 gnome-keyring）", error=type(error).__name__)) from error


def get_secret(profile: str, key: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, _name(profile, key))
    except KeyringError as error:
        raise SecretStoreError(tr("无法读取系统钥匙串（{error}）", error=type(error).__name__)) from error


def delete_secret(profile: str, key: str) -> None:
    try:
        keyring.delete_password(SERVICE, _name(profile, key))
    except keyring.errors.PasswordDeleteError:
        return
    except KeyringError as error:
        raise SecretStoreError(tr("无法访问系统钥匙串（{error}）", error=type(error).__name__)) from error

"""Credentials through the OS keyring (Windows Credential Manager, macOS Keychain, Secret Service)."""

from __future__ import annotations

import keyring
from keyring.errors import KeyringError

from .i18n import tr
from .redact import remember

SERVICE = "LiangHua"


class SecretStoreError(RuntimeError):
    pass


def _name(profile: str, key: str) -> str:
    return f"{profile}:{key}"


def set_secret(profile: str, key: str, value: str) -> None:
    remember(value)
    try:
        keyring.set_password(SERVICE, _name(profile, key), value)
    except KeyringError as error:
        raise SecretStoreError(tr("无法写入系统钥匙串（{error}）。Linux 上请安装并解锁 Secret Service"
                                  "（如 gnome-keyring）", error=type(error).__name__)) from error


def get_secret(profile: str, key: str) -> str | None:
    try:
        value = keyring.get_password(SERVICE, _name(profile, key))
    except KeyringError as error:
        raise SecretStoreError(tr("无法读取系统钥匙串（{error}）", error=type(error).__name__)) from error
    remember(value)
    return value


def delete_secret(profile: str, key: str) -> None:
    try:
        keyring.delete_password(SERVICE, _name(profile, key))
    except keyring.errors.PasswordDeleteError:
        return
    except KeyringError as error:
        raise SecretStoreError(tr("无法访问系统钥匙串（{error}）", error=type(error).__name__)) from error


def is_os_keyring(backend) -> bool:
    """False for keyrings.alt's plaintext and file backends: they keep secrets in a file, not the OS."""
    module = type(backend).__module__
    return not (module.startswith("keyrings.alt") or module.startswith("keyring.backends.null")
                or "plaintext" in type(backend).__name__.lower())

"""Reading users' text files: UTF-8 (with or without a BOM) or GBK, as Excel and Chinese market
software write them; a folder, an unreadable or a binary file is explained in words."""

from __future__ import annotations

import io
from pathlib import Path

from .i18n import tr


class FileProblem(ValueError):
    """A file that cannot be read as text: the message says what is wrong and what to do."""


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError as error:
        raise FileProblem(tr("{path}是一个文件夹，不是文件：请删除或改名该文件夹", path=path)) from error
    except PermissionError as error:
        raise FileProblem(tr("没有权限读取{path}（若它是文件夹请删除或改名）：请检查文件权限", path=path)) from error
    except FileNotFoundError as error:
        raise FileProblem(tr("找不到文件{path}", path=path)) from error
    except OSError as error:
        raise FileProblem(tr("无法读取{path}：{error}", path=path, error=error.strerror or error)) from error


def read_utf8(path: Path) -> str:
    """A file this program wrote (settings): UTF-8 only; a GBK copy is explained, not guessed."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        hint = tr("文件似乎是GBK编码") if _decodes(data, "gb18030") else tr("文件不是文本")
        raise FileProblem(tr("{path}不是UTF-8编码（{hint}）：请用记事本“另存为”并选择UTF-8编码", path=path,
                             hint=hint)) from error


def open_csv(path: Path) -> io.StringIO:
    """A user's CSV as text for `csv.reader`: UTF-8, or GBK (GB18030) when it is not UTF-8."""
    data = read_bytes(Path(path))
    for encoding in ("utf-8-sig", "gb18030"):
        if _decodes(data, encoding) and b"\x00" not in data[:4096]:
            return io.StringIO(data.decode(encoding), newline="")
    raise FileProblem(tr("{path}不是文本文件（既不是UTF-8也不是GBK编码）：请导出为CSV文本后再试", path=path))


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True

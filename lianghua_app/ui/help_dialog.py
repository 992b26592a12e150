"""The help menu's windows: the README read in the app, and what this installation is and where
it keeps its files."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from ..i18n import tr

README = Path(__file__).resolve().parents[2] / "README.md"


def app_version() -> str:
    try:
        return version("lianghua")
    except PackageNotFoundError:
        return tr("未安装（从源码运行）")


def open_folder(path: Path) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    return QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(path)))


class ReadmeDialog(QtWidgets.QDialog):
    """README sections on the left, the chosen one on the right."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, path: Path = README) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("使用说明"))
        text = path.read_text(encoding="utf-8") if path.exists() else tr("# 找不到使用说明\n\n{path}", path=path)
        self.sections = self.split(text)
        self.index = QtWidgets.QListWidget()
        self.index.addItems([title for title, _ in self.sections])
        self.browser = QtWidgets.QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.index.currentRowChanged.connect(self.show_section)
        splitter = QtWidgets.QSplitter()
        splitter.addWidget(self.index)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(1, 1)
        QtWidgets.QVBoxLayout(self).addWidget(splitter)
        self.index.setCurrentRow(0)
        self.resize(1000, 700)

    def show_section(self, row: int) -> None:
        self.browser.setMarkdown(self.sections[row][1])

    @staticmethod
    def split(text: str) -> list[tuple[str, str]]:
        """(heading, markdown) per second-level section; what precedes the first one is the opening."""
        sections: list[tuple[str, list[str]]] = [(tr("开始"), [])]
        fenced = False
        for line in text.splitlines():
            fenced ^= line.startswith("```")
            if line.startswith("## ") and not fenced:
                sections.append((line[3:].strip(), [line]))
            else:
                sections[-1][1].append(line)
        return [(title, "\n".join(lines)) for title, lines in sections if any(s.strip() for s in lines)]


class AboutDialog(QtWidgets.QDialog):
    def __init__(self, data_root: Path, logs_dir: Path, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("关于量化"))
        form = QtWidgets.QFormLayout(self)
        form.addRow(tr("版本"), QtWidgets.QLabel(app_version()))
        for label, folder in ((tr("数据文件夹"), data_root), (tr("日志文件夹"), logs_dir)):
            row = QtWidgets.QHBoxLayout()
            shown = QtWidgets.QLabel(str(folder))
            shown.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QtWidgets.QPushButton(tr("打开"))
            button.clicked.connect(lambda _=False, f=folder: open_folder(f))
            row.addWidget(shown, 1)
            row.addWidget(button)
            form.addRow(label, row)

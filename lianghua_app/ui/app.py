"""Start the GUI for a profile."""

from __future__ import annotations

from vnpy.trader.ui import QtCore, QtWidgets, create_qapp

from ..bootstrap import (
    build_engine,
    connect_binance_gateway,
    connect_easytrader_gateway,
    connect_qmt_gateway,
    start_jobs,
)
from ..i18n import tr
from ..paths import DataDir
from ..settings import SettingsStore
from .icons import icon
from .main_window import MainWindow


def install_translations(app: QtWidgets.QApplication, language: str) -> QtCore.QTranslator | None:
    """Qt's own words (Yes/No, OK/Cancel, file dialogs) in the user's language: Qt ships them,
    they are only loaded when asked."""
    if not language.startswith("zh"):
        return None
    translator = QtCore.QTranslator(app)
    folder = QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{language}", folder):
        return None
    app.installTranslator(translator)
    return translator


def run_gui(data_dir: DataDir, store: SettingsStore) -> int:
    app = create_qapp("LiangHua")
    app.setWindowIcon(icon("app"))
    install_translations(app, store.current["language"])
    engine = build_engine(data_dir, store.current)
    for problem in store.problems:
        engine.write_log(tr("设置问题：{problem}", problem=problem), source="Settings")
    window = MainWindow(engine, data_dir.layout_file, store=store)
    if store.current["qmt.autoconnect"]:
        connect_qmt_gateway(engine)
    if store.current["binance.autoconnect"]:
        connect_binance_gateway(engine)
    if store.current["easytrader.autoconnect"]:
        connect_easytrader_gateway(engine)
    start_jobs(engine)
    window.showMaximized()
    return app.exec()



def show_fatal(message: str) -> None:
    """Why the workstation cannot open, in a dialog (the user started it from a shortcut)."""
    app = QtWidgets.QApplication.instance() or create_qapp("LiangHua")
    if app.platformName() != "offscreen":
        QtWidgets.QMessageBox.critical(None, tr("量化无法启动"), message)

"""Killing the process the instant a trade is shown loses nothing: it is already on disk."""

import os
import sqlite3
import subprocess
import sys

from tests.helpers import PROJECT

CHILD = r"""
import os, sys
from pathlib import Path
from lianghua_app.paths import DataDir
from lianghua_app.vnpy_env import bind_vnpy
data_dir = DataDir(Path(sys.argv[1])); bind_vnpy(data_dir)
sys.path.insert(0, sys.argv[2])
from tests.helpers import make_tick, order
from vnpy.trader.constant import Direction
from vnpy.trader.event import EVENT_TRADE
from lianghua_app.bootstrap import build_engine, connect_sim_gateway
from lianghua_app.settings import Settings

engine = build_engine(data_dir, Settings(), connect_sim=False)
connect_sim_gateway(engine, autostart=False, whole_market=False)

def shown(event):  # a view receiving the trade: die right there, like a crash or a kill
    print("SHOWN", event.data.vt_tradeid, flush=True)
    os._exit(9)

engine.event_engine.register(EVENT_TRADE, shown)
engine.gateways["SIM"].push_tick(make_tick("000001.SZSE", 10.0, limit_up=11.0, limit_down=9.0))
import time; time.sleep(0.5)
engine.send_order(order("000001.SZSE", Direction.LONG, 100, 10.0), "SIM")
time.sleep(30)
"""


def test_a_trade_shown_before_a_kill_is_in_the_journal(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "p"), str(PROJECT)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr[-2000:]
    shown_id = next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("SHOWN"))
    with sqlite3.connect(tmp_path / "p" / "lianghua.db") as connection:
        rows = connection.execute("SELECT vt_tradeid FROM traderecord").fetchall()
    assert rows == [(shown_id,)]

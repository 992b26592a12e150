"""The easytrader agent in a real child process, over a fake broker client whose books live in a
file; with `die_before_click` or `die_after_click` the process is killed (os._exit: no cleanup)
at that moment of the next order.

Usage: python agent_child.py FOLDER KEY [die_before_click|die_after_click]
Writes the agent's URL to FOLDER/url once it listens."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gateways.easytrader.agent import Agent  # noqa: E402
from gateways.easytrader.journal import OrderJournal  # noqa: E402
from gateways.easytrader.server import AgentServer  # noqa: E402
from gateways.easytrader.signing import Verifier  # noqa: E402
from gateways.easytrader.testing import FakeClientTrader  # noqa: E402


class DyingTrader(FakeClientTrader):
    def __init__(self, path: Path, moment: str) -> None:
        super().__init__(path)
        self.moment = moment

    def buy(self, security: str, price: float, amount: float, **kwargs) -> dict:
        if self.moment == "die_before_click":
            os._exit(9)
        answer = super().buy(security, price, amount)
        if self.moment == "die_after_click":
            os._exit(9)
        return answer


def main() -> None:
    folder, key = Path(sys.argv[1]), sys.argv[2]
    moment = sys.argv[3] if len(sys.argv) > 3 else ""
    trader = DyingTrader(folder / "broker.db", moment) if moment else FakeClientTrader(folder / "broker.db")
    agent = Agent(trader, OrderJournal(folder / "agent.db"), "ths", "ths")
    agent.recover()
    server = AgentServer(agent, Verifier(key, remember=agent.journal.remember_nonce)).start()
    (folder / "url.tmp").write_text(server.url, encoding="utf-8")
    (folder / "url.tmp").replace(folder / "url")
    while True:
        time.sleep(1)


if __name__ == "__main__":
    main()

"""APScheduler jobs. Jobs post events or call thread-safe engine methods; never touch widgets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler


class Scheduler:
    def __init__(self) -> None:
        self.scheduler = BackgroundScheduler(timezone="Asia/Shanghai",
                                             job_defaults={"coalesce": True, "max_instances": 1})

    def every(self, seconds: float, func: Callable[[], None], job_id: str, first_in: float | None = None) -> None:
        """Every `seconds`; the first run after `first_in` seconds when given, else after one interval."""
        start = {} if first_in is None else {"next_run_time": datetime.now(UTC) + timedelta(seconds=first_in)}
        self.scheduler.add_job(func, "interval", seconds=seconds, id=job_id, replace_existing=True, **start)

    def start(self) -> None:
        if not self.scheduler.running:
            self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

"""APScheduler jobs. Jobs post events or call thread-safe engine methods; never touch widgets."""

from __future__ import annotations

from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler


class Scheduler:
    def __init__(self) -> None:
        self.scheduler = BackgroundScheduler(timezone="Asia/Shanghai",
                                             job_defaults={"coalesce": True, "max_instances": 1})

    def every(self, seconds: float, func: Callable[[], None], job_id: str) -> None:
        self.scheduler.add_job(func, "interval", seconds=seconds, id=job_id, replace_existing=True)

    def start(self) -> None:
        if not self.scheduler.running:
            self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

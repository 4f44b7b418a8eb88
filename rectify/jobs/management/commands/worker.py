"""``rectify manage worker [--once] [--sleep 5]``: run due periodic checks and queued jobs."""
from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection


class Command(BaseCommand):
    help = "后台任务执行进程：按时排入定时检查并执行排队的后台任务（--once 执行一轮后退出）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="执行当前到期的任务后退出")
        parser.add_argument("--sleep", type=float, default=5.0, help="队列为空时等待的秒数，默认 5")
        parser.add_argument("--parent-pid", type=int, default=None,
                            help="随该进程退出（rectify serve 启动的执行进程：服务进程意外退出时不留下孤儿进程）")

    def handle(self, *args: Any, **options: Any) -> None:
        from rectify.jobs import services

        # Each job is logged with its duration by ``rectify.jobs.services`` (INFO when it succeeds).
        log = logging.getLogger("rectify.jobs")
        if log.level == logging.NOTSET:
            log.setLevel(logging.INFO if options["verbosity"] >= 1 else logging.WARNING)
        worker = services.worker_id()
        stopping = {"now": False}
        parent = options["parent_pid"]

        def should_stop() -> bool:
            if parent is not None and os.getppid() != parent:
                stopping["now"] = True  # the server that started us is gone
            return stopping["now"]

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping["now"] = True

        if not options["once"]:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            self.stdout.write(f"后台任务执行进程 {worker} 已启动（Ctrl+C 停止）")
        while True:
            if not connection.in_atomic_block:  # tests run the worker inside their transaction
                close_old_connections()
            jobs = services.work_once(worker)
            if options["once"]:
                if options["verbosity"] >= 1:
                    failed = sum(1 for j in jobs if j.status != j.Status.DONE)
                    self.stdout.write(f"本轮执行 {len(jobs)} 个后台任务，其中未成功 {failed} 个")
                return
            if should_stop() or (not jobs and _idle(options["sleep"], should_stop)):
                self.stdout.write("后台任务执行进程已停止")
                return


def _idle(seconds: float, should_stop: Callable[[], bool]) -> bool:
    """Wait up to ``seconds`` for work, waking every half second; True when told to stop meanwhile."""
    slept = 0.0
    while slept < seconds and not should_stop():
        time.sleep(min(0.5, seconds))
        slept += 0.5
    return should_stop()

import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand


def _stop_on_sigterm() -> None:
    """SIGTERM (systemd, docker stop, kill) ends the server like Ctrl+C, so the worker is stopped with it."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, stop)


def _stop_worker(worker: "subprocess.Popen[bytes]") -> None:
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=5)


class Command(BaseCommand):
    help = "启动 Web 服务（waitress，静态文件由系统自身提供）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="监听地址与端口，默认 127.0.0.1:8000")
        parser.add_argument("--threads", type=int, default=8)
        # waitress's own default (100 open connections) is ~20 people's browsers, which keep several
        # connections open each: the next person's page waited until one timed out (293 s in make load).
        parser.add_argument("--connection-limit", type=int, default=500, help="同时保持的连接数上限（默认 500）")
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程（另行运行 rectify manage worker 时使用）")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from rectify.wsgi import application

        host, _, port = options["addrport"].rpartition(":")
        host = host or "127.0.0.1"
        worker = None
        _stop_on_sigterm()
        try:
            if not options["no_worker"]:
                # The background worker (reminders, escalations, announcement periods) runs beside the server
                # and stops with it: on a normal stop below, and by itself if this process dies (--parent-pid).
                # S603 is fine: a fixed argv of this interpreter, no shell.
                worker = subprocess.Popen([sys.executable, "-m", "rectify.cli", "manage", "worker", "--parent-pid", str(os.getpid())])  # noqa: S603
                self.stdout.write(f"后台任务进程已启动（pid {worker.pid}）")
            self.stdout.write(f"督察整改闭环管理系统已启动：http://{host}:{port}/  （Ctrl+C 停止）")
            self.stdout.flush()
            serve(application, host=host, port=int(port), threads=options["threads"], ident="rectify",
                  connection_limit=options["connection_limit"])
        finally:
            if worker is not None:
                _stop_worker(worker)
                self.stdout.write("后台任务进程已停止")

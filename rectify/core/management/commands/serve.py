import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动 Web 服务（waitress，静态文件由系统自身提供）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="监听地址与端口，默认 127.0.0.1:8000")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程（另行运行 rectify manage worker 时使用）")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from rectify.wsgi import application

        host, _, port = options["addrport"].rpartition(":")
        host = host or "127.0.0.1"
        worker = None
        if not options["no_worker"]:
            # The background worker (reminders, escalations, announcement periods) runs beside the server.
            worker = subprocess.Popen([sys.executable, "-m", "rectify.cli", "manage", "worker"])
            self.stdout.write(f"后台任务进程已启动（pid {worker.pid}）")
        self.stdout.write(f"督察整改闭环管理系统已启动：http://{host}:{port}/  （Ctrl+C 停止）")
        try:
            serve(application, host=host, port=int(port), threads=options["threads"], ident="rectify")
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)

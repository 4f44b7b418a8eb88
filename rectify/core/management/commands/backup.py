import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rectify.core.backup import backup, describe
from rectify.core.refusals import Refused


class Command(BaseCommand):
    help = "把数据库和全部上传文件（佐证材料、签名）备份到一个归档文件，附带清单和每个文件的 SHA-256"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", help="归档文件路径，或存放归档的文件夹（自动按时间命名）")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            path, manifest = backup(Path(options["dest"]))
        except Refused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已备份到 {path}（{path.stat().st_size / 1024 / 1024:.1f} MB，用时 {time.monotonic() - started:.1f} 秒）")
        self.stdout.write(describe(manifest))

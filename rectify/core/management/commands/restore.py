import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rectify.core.backup import describe, restore
from rectify.core.refusals import Refused


class Command(BaseCommand):
    help = "从 rectify backup 的归档恢复数据库和上传文件，恢复后校验审计链、每个佐证材料的 SHA-256 和行数"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("src", help="rectify backup 写出的归档文件")
        parser.add_argument("--force", action="store_true", help="当前数据库已有数据时仍然覆盖")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = restore(Path(options["src"]), force=options["force"])
        except Refused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已恢复：{describe(result.manifest)}（用时 {time.monotonic() - started:.1f} 秒）")
        for problem in result.problems:
            self.stderr.write(problem)
        if result.problems:
            raise CommandError(f"恢复后校验失败：发现 {len(result.problems)} 处问题")
        self.stdout.write(f"校验通过：审计链 {result.history_rows} 条记录完整，{result.files_checked} 个佐证材料的 SHA-256 一致，"
                          f"各表行数与备份一致")
        if result.pending_migrations:
            self.stdout.write(f"备份早于当前程序：还有 {len(result.pending_migrations)} 个迁移未执行，"
                              "请运行 rectify manage migrate（rectify serve 启动时也会执行）")

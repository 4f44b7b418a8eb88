from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rectify.core.history import verify_chain


class Command(BaseCommand):
    help = "校验变更记录的哈希链，发现被改动或删除的记录"

    def handle(self, *args: Any, **options: Any) -> None:
        count, problems = verify_chain()
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"审计链校验失败：共 {count} 条记录，发现 {len(problems)} 处问题")
        self.stdout.write(f"审计链完整：共 {count} 条记录")

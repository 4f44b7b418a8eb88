from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rectify.core import copies, counters
from rectify.core.history import seal, verify_chain
from rectify.core.models import AuditChain, RootDigest


class Command(BaseCommand):
    help = "校验变更记录的每条哈希链和根摘要，发现被改动、删除或挪动的记录；校验无误后封存一个新的根摘要"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-seal", action="store_true", help="只校验，不写新的根摘要")

    def handle(self, *args: Any, **options: Any) -> None:
        count, problems = verify_chain()
        chain_broken = bool(problems)
        # The maintained counts (rectify.core.counters) and copies (rectify.core.copies) are checked with the
        # chain: a mismatch is reported here and repaired with `rectify manage check_counters --repair`.
        for name, rows in counters.check_all().items():
            for key, stored, counted in rows[:20]:
                problems.append(f"计数表 {name} {key}：记录 {stored}，实际 {counted}（可用 rectify manage check_counters --repair 重新统计）")
        for name, copy_rows in copies.check_all().items():
            for row_id, stored_value, expected in copy_rows[:20]:
                problems.append(f"副本 {name} 第 {row_id} 行：记录“{stored_value}”，应为“{expected}”（可用 rectify manage check_counters --repair 改正）")
        chains = AuditChain.objects.count()
        what = "审计链校验失败" if chain_broken else "计数表校验失败" if any(p.startswith("计数表") for p in problems) else "副本校验失败"
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"{what}：共 {count} 条记录、{chains} 条链，发现 {len(problems)} 处问题")
        sealed = None if options["no_seal"] else seal()
        roots = RootDigest.objects.count()
        self.stdout.write(f"审计链完整：共 {count} 条记录，{chains} 条链，{roots} 个根摘要")
        latest = RootDigest.objects.order_by("-id").first()
        if latest is not None:
            note = "（本次新封存）" if sealed is not None else ""
            self.stdout.write(f"最新根摘要{note}：{latest.digest}（{latest.time:%Y-%m-%d %H:%M}，{latest.records} 条记录）")

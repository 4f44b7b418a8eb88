from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from rectify.core import copies, counters


class Command(BaseCommand):
    help = ("核对由数据库触发器维护的计数表（任务数、报送数、应报数，及各单位的报送数、应报数）与重新统计的结果，"
            "及由触发器维护的副本列（督办单的任务区划路径）与其来源；--repair 重新统计并写回、按来源改正副本")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="不一致时按台账重新统计，写回计数表；副本列按来源改正")

    def handle(self, *args: Any, **options: Any) -> None:
        wrong = {name: rows for name, rows in counters.check_all().items() if rows}
        wrong_copies = {name: rows for name, rows in copies.check_all().items() if rows}
        for name, rows in wrong.items():
            for key, stored, counted in rows[:20]:
                self.stderr.write(f"计数表 {name} {key}：记录 {stored}，实际 {counted}")
            if len(rows) > 20:
                self.stderr.write(f"计数表 {name}：另有 {len(rows) - 20} 处不一致")
        for name, copy_rows in wrong_copies.items():
            for row_id, stored_value, expected in copy_rows[:20]:
                self.stderr.write(f"副本 {name} 第 {row_id} 行：记录“{stored_value}”，应为“{expected}”")
            if len(copy_rows) > 20:
                self.stderr.write(f"副本 {name}：另有 {len(copy_rows) - 20} 行不一致")
        if not wrong and not wrong_copies:
            self.stdout.write(f"计数表一致：{'、'.join(sorted(counters.COUNTERS))}；副本一致：{'、'.join(sorted(copies.COPIES))}")
            return
        found = ([f"计数表不一致：{'、'.join(f'{n}（{len(r)} 处）' for n, r in wrong.items())}"] if wrong else []) + (
            [f"副本不一致：{'、'.join(f'{n}（{len(r)} 行）' for n, r in wrong_copies.items())}"] if wrong_copies else [])
        if not options["repair"]:
            raise CommandError(f"{'；'.join(found)}；可用 --repair 重新统计、改正")
        with transaction.atomic():
            for name in wrong:
                counters.rebuild(counters.COUNTERS[name])
            for name in wrong_copies:
                copies.repair(copies.COPIES[name])
        still = [name for name, rows in counters.check_all().items() if rows] + [name for name, rows in copies.check_all().items() if rows]
        if still:
            raise CommandError(f"重新统计、改正后仍不一致：{'、'.join(still)}")
        self.stdout.write(f"已重新统计、改正：{'、'.join([*wrong, *wrong_copies])}；计数表与副本一致")

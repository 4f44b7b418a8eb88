from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from rectify.core import counters


class Command(BaseCommand):
    help = "核对由数据库触发器维护的计数表（任务数、报送数、应报数，及各单位的报送数、应报数）与重新统计的结果；--repair 重新统计并写回"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repair", action="store_true", help="不一致时按台账重新统计，写回计数表")

    def handle(self, *args: Any, **options: Any) -> None:
        found = counters.check_all()
        wrong = {name: rows for name, rows in found.items() if rows}
        for name, rows in wrong.items():
            for key, stored, counted in rows[:20]:
                self.stderr.write(f"计数表 {name} {key}：记录 {stored}，实际 {counted}")
            if len(rows) > 20:
                self.stderr.write(f"计数表 {name}：另有 {len(rows) - 20} 处不一致")
        if not wrong:
            self.stdout.write(f"计数表一致：{'、'.join(sorted(found))}")
            return
        if not options["repair"]:
            raise CommandError(f"计数表不一致：{'、'.join(f'{n}（{len(r)} 处）' for n, r in wrong.items())}；"
                               "可用 --repair 重新统计")
        with transaction.atomic():
            for name in wrong:
                counters.rebuild(counters.COUNTERS[name])
        still = {name: rows for name, rows in counters.check_all().items() if rows}
        if still:
            raise CommandError(f"重新统计后仍不一致：{'、'.join(still)}")
        self.stdout.write(f"已重新统计：{'、'.join(wrong)}；计数表一致")

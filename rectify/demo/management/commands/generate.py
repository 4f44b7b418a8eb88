from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rectify.demo.generate import Context, NotEmpty, run
from rectify.demo.generate.logins import PASSWORD


class Command(BaseCommand):
    help = "在空数据库中按指定规模生成全国数据：区划、单位、督察、方案、分解的任务、月度调度和进展报送、哈希链变更记录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tasks", type=int, required=True, help="任务总数")
        parser.add_argument("--reports-per-task", type=int, default=10, help="每项任务的月度进展报送数（调度月数）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子")
        parser.add_argument("--provinces", type=int, default=31, help="省份数（默认 31）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tasks"] < 0 or options["reports_per_task"] < 0 or not 1 <= options["provinces"] <= 89:
            raise CommandError("任务数和报送数不能为负数，省份数须在 1 到 89 之间")
        ctx = Context(tasks=options["tasks"], reports_per_task=options["reports_per_task"], seed=options["seed"],
                      provinces=options["provinces"], say=self.stdout.write)
        try:
            run(ctx)
        except NotEmpty as refused:
            raise CommandError(str(refused)) from None
        total = sum(ctx.rows.values())
        seconds = ctx.data["seconds"]
        self.stdout.write(f"已生成 {total} 行，用时 {seconds:.1f} 秒，{total / max(seconds, 1e-9):,.0f} 行/秒：")
        for label, count in ctx.rows.items():
            self.stdout.write(f"  {label}：{count}")
        self.stdout.write(f"各角色登录账号（密码均为 {PASSWORD}）：")
        for username, role, scope in ctx.logins:
            self.stdout.write(f"  {username:<10} {role:<6} 范围：{scope}")

from typing import Any

from django.core.management.base import BaseCommand

from rectify.demo.build import DEMO_PASSWORD, build_demo, demo_logins
from rectify.tasks.models import Task


class Command(BaseCommand):
    help = "生成示例数据：省—市—县区划与单位、各角色账号、一轮督察的约 80 项整改任务"

    def handle(self, *args: Any, **options: Any) -> None:
        created = build_demo()
        self.stdout.write("示例数据已生成。" if created else "示例数据已存在，未重复生成。")
        self.stdout.write(f"台账共有 {Task.objects.count()} 项任务。各角色登录账号（密码均为 {DEMO_PASSWORD}）：")
        for login in demo_logins():
            self.stdout.write(f"  {login.username:<12} {login.role:<6} 范围：{login.scope}")

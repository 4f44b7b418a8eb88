from typing import Any

from django.core.management.base import BaseCommand

from rectify.accounts.docs import permissions_markdown


class Command(BaseCommand):
    help = "输出操作权限表（docs/permissions.md）"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(permissions_markdown(), ending="")

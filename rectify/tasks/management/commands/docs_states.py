from typing import Any

from django.core.management.base import BaseCommand

from rectify.tasks.docs import states_markdown


class Command(BaseCommand):
    help = "输出状态、流转与角色的说明（docs/states.md）"

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(states_markdown(), ending="")

from typing import Any

from django.core.management.base import BaseCommand

from rectify.regions.loader import load_regions


class Command(BaseCommand):
    help = "导入全国省、市、县三级行政区划（GB/T 2260）"

    def handle(self, *args: Any, **options: Any) -> None:
        count = load_regions()
        self.stdout.write(f"行政区划已就绪：{count} 个")

"""The import preview shows, through the real reader, the text it could not place with its line number,
and a progress report that states only counts."""
from __future__ import annotations

from typing import Any

from django.urls import reverse

from ingest.tests.test_unplaced import PLAN

from .helpers import batch_from, upload


def test_preview_lists_unplaced_text_with_line_numbers(world: Any, login: Any) -> None:
    client = login(world.city_office)
    batch = batch_from(upload(client, PLAN.encode("gbk"), "北坪县整改方案.txt", region=world.county))
    text = client.get(reverse("imports:preview", args=[batch.uuid])).content.decode()
    assert "以下内容未能识别，请核对" in text
    assert "第 9 行：" in text and "以下问题由各乡镇对照排查，举一反三，同步整改。" in text


def test_preview_of_a_count_only_report(world: Any, login: Any) -> None:
    report = "\n".join([
        "西岭县第二轮省级生态环境保护督察整改落实情况",
        "截至2024年6月底，西岭县27项整改任务已完成21项，其余6项正在推进。",
    ])
    client = login(world.city_office)
    batch = batch_from(upload(client, report.encode("utf-8"), "落实情况.txt", region=world.county))
    text = client.get(reverse("imports:preview", args=[batch.uuid])).content.decode()
    assert "整改任务总数：27" in text and "已完成任务：21" in text

"""Every .xlsx the system hands out is safe to open: no cell is a formula, whatever people typed, and
sheet titles come out valid whatever a round or plan is called. The endpoints are discovered from
the URL configuration, so a new export that is not listed here fails the test."""
from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from rectify.core.xlsx import clean_text, sheet_title
from rectify.dispatch import services as dispatch
from rectify.dispatch.models import ReportingRound
from rectify.tasks.models import Task

# Text a spreadsheet would run as a formula or a DDE call, with the variants that slip past a
# check of the first character (a leading tab, CR, newline or space).
HOSTILE = [
    '=HYPERLINK("http://evil.example/","点这里")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C notepad'!A0",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    "\r\n@SUM(9)",
    " =2+2",
]
FORBIDDEN_TITLE_CHARS = "/\\?*[]:"
LONG_TITLE = "二〇二六年第十一月份全市生态环境保护督察反馈问题整改情况调度（第一批次共四十项）"  # 40 characters


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    return root


def xlsx_routes() -> set[str]:
    """The names of every route that answers with an .xlsx file."""
    found: set[str] = set()

    def walk(patterns: list[Any], namespace: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and ".xlsx" in str(p.pattern):
                found.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns)
    return found


def open_round(world: SimpleNamespace, title: str) -> ReportingRound:
    return dispatch.open_round(world.city_office, region=world.city, title=title, period_start=datetime.date(2026, 11, 1),
                               period_end=datetime.date(2026, 11, 30), due_date=datetime.date(2026, 11, 30))


def ledger_export(world: SimpleNamespace, make_task: Callable[..., Task], text: str, title: str) -> tuple[str, Any]:
    world.plan.title = title
    world.plan.save()
    make_task(problem=text, title=text[:200], target=text, progress=text, responsible_person=text[:120], section=[text, title])
    return reverse("tasks:export"), world.city_office


def template_export(world: SimpleNamespace, make_task: Callable[..., Task], text: str, title: str) -> tuple[str, Any]:
    return reverse("tasks:template"), world.city_office


def dispatch_export(world: SimpleNamespace, make_task: Callable[..., Task], text: str, title: str) -> tuple[str, Any]:
    task = make_task(title=text[:200], problem=text)
    round_ = open_round(world, title)
    assignment = task.assignments.get(unit=world.unit_county_env)
    dispatch.submit_report(round_, assignment, world.county_unit, text=f"{text}\n{text}" if text.strip() else "x", schedule="on_schedule")
    dispatch.submit_report(round_, task.assignments.get(unit=world.unit_city_env), world.lead_unit, text=text, schedule="lagging")
    return reverse("dispatch:export", args=[round_.uuid]), world.city_office


EXPORTS: dict[str, Callable[..., tuple[str, Any]]] = {
    "tasks:export": ledger_export,
    "tasks:template": template_export,
    "dispatch:export": dispatch_export,
}


def test_every_xlsx_route_is_covered() -> None:
    assert xlsx_routes() == set(EXPORTS), "a new .xlsx export must be added to EXPORTS (and written through rectify.core.xlsx)"


def download(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return bytes(response.content)


def assert_no_formula(content: bytes) -> list[Any]:
    """Every cell of every sheet is data; returns the cells for further checks."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<(\w+:)?f[ >/]", archive.read(name)), f"formula element in {name}"
    workbook = load_workbook(io.BytesIO(content))
    cells = []
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str) and c.value.lstrip(" \t\r\n")[:1] in {"=", "+", "-", "@"}:
                    assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate, c.value)
                cells.append(c)
    return cells


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(EXPORTS))
@pytest.mark.parametrize("text", HOSTILE)
def test_no_export_contains_a_formula(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client],
                                      route: str, text: str) -> None:
    url, user = EXPORTS[route](world, make_task, text, "普通标题")
    cells = assert_no_formula(download(login(user), url))
    if route != "tasks:template":  # the template carries no record
        values = {c.value for c in cells}
        assert clean_text(text) in values, "the hostile text must be in the file, as text"
        assert all(c.quotePrefix for c in cells if c.value == clean_text(text))


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(EXPORTS))
@pytest.mark.parametrize("title", [f"2026年11月{ch}调度" for ch in FORBIDDEN_TITLE_CHARS] + [LONG_TITLE, "'引号'", "   ", "History"])
def test_every_export_survives_any_title(world: SimpleNamespace, make_task: Callable[..., Task], login: Callable[[Any], Client],
                                         route: str, title: str) -> None:
    assert len(LONG_TITLE) == 40
    url, user = EXPORTS[route](world, make_task, "已完成", title)
    content = download(login(user), url)
    assert_no_formula(content)
    for name in load_workbook(io.BytesIO(content)).sheetnames:
        assert len(name) <= 31 and not set(name) & set(FORBIDDEN_TITLE_CHARS) and not name.startswith("'") and name.strip()


@pytest.mark.parametrize("title", [f"甲{ch}乙" for ch in FORBIDDEN_TITLE_CHARS] + [LONG_TITLE, "", "'x'", "history", "a\x00b"])
def test_sheet_title_is_always_valid(title: str) -> None:
    from openpyxl import Workbook

    name = sheet_title(title, "调度")
    Workbook().create_sheet(name)  # openpyxl refuses an invalid title
    assert 0 < len(name) <= 31 and not set(name) & set(FORBIDDEN_TITLE_CHARS)


def test_every_xlsx_writer_goes_through_the_cell_writer() -> None:
    """openpyxl writes only in rectify/core/xlsx.py; everything else calls it."""
    root = Path(__file__).resolve().parents[1]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path.name.startswith("test_") or (path.name == "xlsx.py" and path.parent.name == "core"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bWorkbook\b|WriteOnlyCell|openpyxl\.cell", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []

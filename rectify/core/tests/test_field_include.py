"""Every form field renders through templates/includes/field.html: a field with errors is marked
aria-invalid="true" and its aria-describedby names elements of the page (the error, the help text)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from rectify.tasks.models import Task

ROOT = Path(__file__).resolve().parents[2]


def invalid_fields(html: str) -> dict[str, Any]:
    doc = lxml.html.fromstring(html)
    return {el.get("name"): el for el in doc.xpath('//*[@aria-invalid="true"]')}


def described_by(html: str, name: str) -> list[str]:
    """The texts of the elements the field's aria-describedby names (fails when one is missing)."""
    doc = lxml.html.fromstring(html)
    (widget,) = doc.xpath(f'//*[@name="{name}" and @aria-invalid="true"]')
    texts = []
    for ref in widget.get("aria-describedby", "").split():
        (target,) = doc.xpath(f'//*[@id="{ref}"]')
        texts.append(target.text_content().strip())
    return texts


@pytest.mark.django_db
def test_invalid_task_edit_marks_the_field_and_points_at_its_error(world: SimpleNamespace, make_task: Callable[..., Task],
                                                                 login: Callable[[Any], Client]) -> None:
    task = make_task()
    client = login(world.city_office)
    response = client.post(reverse("tasks:edit", args=[task.uuid]), {"problem": "", "version": task.version})
    html = response.content.decode()
    assert response.status_code in (200, 400) and "problem" in invalid_fields(html)
    texts = described_by(html, "problem")
    assert texts and any(str(e) in " ".join(texts) for e in response.context["form"].errors["problem"])


@pytest.mark.django_db
def test_invalid_inspection_edit_marks_the_field_and_points_at_error_and_help(world: SimpleNamespace,
                                                                             login: Callable[[Any], Client]) -> None:
    client = login(world.city_office)
    response = client.post(reverse("inspections:edit", args=[world.inspection.uuid]),
                           {"team": "", "level": world.inspection.level, "reason": "x" * 501})
    html = response.content.decode()
    assert {"team", "reason"} <= set(invalid_fields(html))
    assert described_by(html, "team") == [" ".join(response.context["form"].errors["team"])]
    reason = described_by(html, "reason")
    assert reason[0] == "将记入变更记录" and len(reason) == 2  # the help text, then the error


def test_form_templates_render_fields_through_the_include() -> None:
    """No template loops over a form's fields and lays them out by hand (filter bars of GET lists excepted)."""
    by_hand = []
    for path in ROOT.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for chunk in text.split("{% for field in ")[1:]:
            body = chunk.split("{% endfor %}")[0]
            if "includes/field.html" not in body and 'method="get"' not in text.split(chunk)[0][-300:]:
                by_hand.append(str(path.relative_to(ROOT)))
    # The password form writes its inputs by hand (autocomplete per input, no value echoed); left as it is.
    assert sorted(set(by_hand)) == ["accounts/templates/accounts/password_change.html"]

"""The notice list writes the task's light out per row (``supervision.tables.LIGHT``) instead of including the one
template copy (``supervision/_light.html``, Jinja2): what it writes is that copy's output, for every colour and for
reasons that need escaping."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template import Context, Template, engines

from rectify.supervision.schedule import COLOUR_LABELS, Light
from rectify.supervision.tables import LIGHT

REASONS = ['已超期 3 天 <script>alert("x")</script>', "整改时限 & 节点：'1月'"]


@pytest.mark.parametrize("colour", sorted(COLOUR_LABELS))
@pytest.mark.parametrize("reasons", [[], REASONS], ids=["no reason", "reasons to escape"])
def test_the_rows_light_is_the_one_copy(colour: str, reasons: list[str]) -> None:
    light = Light(colour, list(reasons))
    written = Template(LIGHT).render(Context({"record": SimpleNamespace(task=SimpleNamespace(light=light))}))
    copy = engines["jinja2"].get_template("supervision/_light.html").render({"light": light})
    assert written == copy + "\n"
    assert "<script>" not in written

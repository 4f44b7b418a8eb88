"""The inspection list's table (django-tables2 through ``rectify.core.tables``)."""
from __future__ import annotations

from typing import ClassVar

from rectify.core.tables import DATE, Cell, Table, TimeCell, TitleLinkCell


class InspectionTable(Table):
    name = TitleLinkCell("督察", "inspections:detail", text="{{ record.short_name }}")
    level = Cell("层级", "{{ record.get_level_display }}")
    round = Cell("轮次", '{{ record.round|default:"—" }}')
    batch = Cell("批次", '{{ record.batch|default:"—" }}')
    team = Cell("督察组", "{{ record.team }}")
    target_region = Cell("被督察区划", "{{ record.target_region }}")
    stationed = Cell("进驻时间", '{% if record.stationed_from %}{{ record.stationed_from|date:"Y-m-d" }} 至 '
                                 '{{ record.stationed_to|date:"Y-m-d"|default:"—" }}{% else %}—{% endif %}')
    feedback_date = TimeCell("反馈日期", "feedback_date", DATE, blank="—")

    class Meta(Table.Meta):
        attrs: ClassVar[dict[str, str]] = {"class": "compact inspections"}

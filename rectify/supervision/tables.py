"""The notice lists' table (django-tables2 through ``rectify.core.tables``). The task's light is written
out (``supervision/_light.html`` as it renders) rather than included: an include per row cost 0.9 ms of
a 20-row page."""
from __future__ import annotations

from rectify.core.tables import DATE, Cell, Table, TimeCell, TitleLinkCell

LIGHT = ('{% with light=record.task.light %}<span class="light light-{{ light.colour }}" title="{{ light.title }}" role="img"'
         ' aria-label="{{ light.label }}：{{ light.title }}"></span>\n{% endwith %}')


class NoticeTable(Table):
    number = TitleLinkCell("编号", "supervision:detail", text="{{ record.number }}",
                           after='{% if record.automatic %} <span class="tag">自动</span>{% endif %}')
    task = TitleLinkCell("整改任务", "tasks:detail", arg="task.uuid", before=LIGHT + " ")
    units = Cell("督办单位", "{{ record.unit_names }}")  # "、" between the names (``views.unit_names``)
    kind = Cell("类别", "{{ record.get_kind_display }}")
    status = Cell("状态", '<span class="sv-status sv-status-{{ record.status }}">{{ record.get_status_display }}</span>')
    arranged_by = TimeCell("部署时限", "arranged_by", DATE)
    first_report_by = TimeCell("回复时限", "first_report_by", DATE)
    done_by = TimeCell("办结时限", "done_by", DATE)
    issued = Cell("下达", '{% load rectify_tables %}{{ record.region.full_name }} · {{ record.issued_on|clock:"Y-m-d" }}')

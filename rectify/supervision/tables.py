"""The notice lists' table (django-tables2 through ``rectify.core.tables``)."""
from __future__ import annotations

from rectify.core.tables import DATE, Cell, Table, TimeCell, TitleLinkCell


class NoticeTable(Table):
    number = TitleLinkCell("编号", "supervision:detail", text="{{ record.number }}",
                           after='{% if record.automatic %} <span class="tag">自动</span>{% endif %}')
    task = TitleLinkCell("整改任务", "tasks:detail", arg="task.uuid",
                         before='{% include "supervision/_light.html" with light=record.task.light %} ')
    units = Cell("督办单位", "{% for u in record.units.all %}{{ u.name }}{% if not forloop.last %}、{% endif %}{% endfor %}")
    kind = Cell("类别", "{{ record.get_kind_display }}")
    status = Cell("状态", '<span class="sv-status sv-status-{{ record.status }}">{{ record.get_status_display }}</span>')
    arranged_by = TimeCell("部署时限", "arranged_by", DATE)
    first_report_by = TimeCell("回复时限", "first_report_by", DATE)
    done_by = TimeCell("办结时限", "done_by", DATE)
    issued = Cell("下达", '{{ record.region.full_name }} · {{ record.issued_on|date:"Y-m-d" }}')

"""The notice lists' table (django-tables2 through ``rectify.core.tables``)."""
from __future__ import annotations

from rectify.core.tables import Cell, Table


class NoticeTable(Table):
    number = Cell("编号", "<a href=\"{% url 'supervision:detail' record.uuid %}\">{{ record.number }}</a>"
                          '{% if record.automatic %} <span class="tag">自动</span>{% endif %}')
    task = Cell("整改任务", '{% include "supervision/_light.html" with light=record.task.light %} '
                            "<a href=\"{% url 'tasks:detail' record.task.uuid %}\">{{ record.task.seq }}. {{ record.task.display_title }}</a>")
    units = Cell("督办单位", "{% for u in record.units.all %}{{ u.name }}{% if not forloop.last %}、{% endif %}{% endfor %}")
    kind = Cell("类别", "{{ record.get_kind_display }}")
    status = Cell("状态", '<span class="sv-status sv-status-{{ record.status }}">{{ record.get_status_display }}</span>')
    arranged_by = Cell("部署时限", '{{ record.arranged_by|date:"Y-m-d" }}')
    first_report_by = Cell("回复时限", '{{ record.first_report_by|date:"Y-m-d" }}')
    done_by = Cell("办结时限", '{{ record.done_by|date:"Y-m-d" }}')
    issued = Cell("下达", '{{ record.region.full_name }} · {{ record.issued_on|date:"Y-m-d" }}')

"""The tables of the look-back and filing lists (django-tables2 through ``rectify.core.tables``)."""
from __future__ import annotations

from rectify.core.tables import DATE, MINUTE, Cell, Table, TimeCell, TitleLinkCell


class LookBackTable(Table):
    task = TitleLinkCell("任务", "acceptance:look_back", truncate=40)
    region = Cell("区划", "{{ record.task.region.name }}")
    closure = Cell("所查销号", "{{ record.closure.number }}")
    scheduled_for = Cell("计划日期", '{{ record.scheduled_for|date:"Y-m-d" }}{% if not record.result and record.scheduled_for <= today %} <span class="tag">已到期</span>{% endif %}')
    scheduled_by = Cell("安排人", "{{ record.scheduled_by }}")
    result = Cell("结论", '{% if record.result %}<span class="tag lookback-{{ record.result }}">{{ record.get_result_display }}</span>'
                          '{% else %}<span class="muted">待回头看</span>{% endif %}')
    checker = Cell("核查人", '{{ record.checker|default:"" }}')


class FilingTable(Table):
    task = TitleLinkCell("任务", "acceptance:file", arg="closure.task.uuid", task="closure.task", truncate=40)
    region = Cell("区划", "{{ record.closure.task.region.name }}")
    number = Cell("销号编号", "{{ record.closure.number }}")
    closed_on = TimeCell("销号日期", "closure.closed_on", DATE)
    filed_by = Cell("报送人", "{{ record.filed_by }}")
    filed_at = TimeCell("报送时间", "filed_at", MINUTE)
    note = Cell("报送说明", "{{ record.note|truncatechars:60 }}")
    status = Cell("状态", '{% if record.acknowledged %}<span class="tag">已确认</span> {{ record.acknowledged_by }} '
                          '{{ record.acknowledged_at|date:"Y-m-d" }}{% else %}<span class="muted">待确认</span>{% endif %}')
    acknowledge = Cell("", "{% if record.may_acknowledge %}<form method=\"post\" action=\"{% url 'acceptance:acknowledge_filing' record.closure.task.uuid %}\">"
                           '{% csrf_token %}<input type="hidden" name="next" value="filings">'
                           '<button type="submit" class="btn btn-primary">确认备案</button></form>{% endif %}')

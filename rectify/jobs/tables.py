"""The job list's table (django-tables2 through ``rectify.core.tables``)."""
from __future__ import annotations

from typing import ClassVar

from rectify.core.tables import Cell, Table, TimeCell


class JobTable(Table):
    job = Cell("任务", '{{ record.label }}<div class="muted small"><code>{{ record.name }}</code></div>'
                       '{% if record.args %}<div class="muted small">{{ record.args }}</div>{% endif %}')
    status = Cell("状态", '<span class="tag job-status-{{ record.status }}">{{ record.get_status_display }}</span>')
    attempts = Cell("尝试", "{{ record.attempts }} / {{ record.max_attempts }}")
    run_after = TimeCell("计划时间", "run_after")
    finished_at = TimeCell("结束时间", "finished_at", blank="—")
    duration = Cell("用时", '{% if record.duration_seconds is not None %}{{ record.duration_seconds|floatformat:2 }} 秒{% else %}—{% endif %}')
    result = Cell("结果 / 错误", '{% if record.last_error %}<details><summary class="error">{{ record.last_error|truncatechars:80 }}</summary>'
                                 '<pre class="job-error">{{ record.last_error }}</pre></details>{% elif record.result is not None %}{{ record.result }}{% endif %}')

    class Meta(Table.Meta):
        attrs: ClassVar[dict[str, str]] = {"class": "compact jobs"}
        row_attrs: ClassVar[dict[str, object]] = {"class": lambda record: f"job-{record.status}"}

"""The tables of the security audit pages (django-tables2 through ``rectify.core.tables``)."""
from __future__ import annotations

from rectify.core.tables import Cell, Table, TimeCell


class LoginEventTable(Table):
    at = TimeCell("时间", "at")
    username = Cell("用户名", "{{ record.username }}")
    user = Cell("姓名", '{{ record.user|default:"—" }}')
    kind = Cell("事件", "{{ record.get_kind_display }}")
    success = Cell("结果", '{% if record.success %}<span class="tag tag-confirmed">成功</span>{% else %}<span class="tag tag-failed">失败</span>{% endif %}')
    ip = Cell("IP 地址", '{{ record.ip|default:"—" }}')
    user_agent = Cell("浏览器", "{{ record.user_agent|truncatechars:60 }}", attrs={"td": {"class": "small muted"}})


class DataAccessTable(Table):
    at = TimeCell("时间", "at")
    user = Cell("用户", '{{ record.user|default:"—" }}')
    what = Cell("内容", "{{ record.what }}")
    object_repr = Cell("对象", '{{ record.object_repr|default:"—" }}')
    ip = Cell("IP 地址", '{{ record.ip|default:"—" }}')
    path = Cell("请求地址", "{{ record.path }}", attrs={"td": {"class": "small muted"}})

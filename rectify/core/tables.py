"""Tables of the list pages, on django-tables2: the columns of a page declared once, in its app's ``tables.py``.

A column is a heading and the template code of its cell (``record`` is the row), compiled once:

    class LookBackTable(Table):
        task = Cell("任务", '<a href="{% url \\'acceptance:look_back\\' record.uuid %}">{{ record.task.seq }}</a>')

Two columns recur and are declared by what they show, not by their code: ``TitleLinkCell`` (a link to a
record's page, by default reading "number. title" of its task) and ``TimeCell`` (a date or time in one of
the formats below).

Tables render through ``templates/includes/table.html`` (``DJANGO_TABLES2_TEMPLATE``), without sorting
links: ``rectify.core.views.lists.ScopedListView`` gives them the rows of one page. A row's cells are one
template (``Table.row_template``: every column's ``<td>`` and code, compiled once per table class and
columns) rendered once per row: django-tables2's own path renders each cell apart — the column's
signature inspected, a context made and a template rendered per cell — which cost 40–50 ms for the 180
cells of a 20-row notice list. Cell code sees ``record`` (the row) and the page's context.
"""
from __future__ import annotations

from typing import Any, ClassVar

import django_tables2 as tables
from django.template import Context, Template
from django.utils.safestring import SafeString


class Cell(tables.TemplateColumn):
    """A column: its heading and its cell's template code, compiled on first use (not once per cell)."""

    def __init__(self, header: str, code: str, **kwargs: Any) -> None:
        super().__init__(template_code=code, verbose_name=header, orderable=False, **kwargs)
        self._compiled: Template | None = None

    def render(self, record: Any, table: Any, value: Any, bound_column: Any, **kwargs: Any) -> Any:
        if self._compiled is None:
            self._compiled = Template(self.template_code)
        parent = getattr(table, "context", None) or Context()
        context = self.get_context_data(record=record, table=table, value=value, bound_column=bound_column, **kwargs)
        with parent.update(context):
            return self._compiled.render(parent)


class Table(tables.Table):
    """The base of every list table: no sorting links (the pages keep the order their view gives)."""

    _row_templates: ClassVar[dict[tuple[type, tuple[str, ...]], Template]] = {}

    class Meta:
        orderable = False

    def row_template(self) -> Template:
        """The ``<td>`` of every shown column with its cell's code, as one template (looked up once per table)."""
        template: Template | None = getattr(self, "_row_template", None)
        if template is None:
            template = self._row_template = self._shared_row_template()
        return template

    def _shared_row_template(self) -> Template:
        columns = list(self.columns)
        key = (type(self), tuple(column.name for column in columns))
        template = Table._row_templates.get(key)
        if template is None:
            cells = []
            for column in columns:
                if not isinstance(column.column, Cell):
                    raise TypeError(f"{type(self).__name__}.{column.name}: a list table's columns are Cells")
                attrs = column.attrs["td"].as_html()
                cells.append(f"<td{' ' + attrs if attrs else ''}>{column.column.template_code}</td>")
            template = Table._row_templates[key] = Template("\n    ".join(cells))
        return template

    def render_row(self, context: Context, record: Any) -> SafeString:
        with context.push(record=record):
            return SafeString(self.row_template().render(context))


DATE = "Y-m-d"
MINUTE = "Y-m-d H:i"
SECOND = "Y-m-d H:i:s"


class TimeCell(Cell):
    """``{{ record.<path>|date:<format> }}`` (written ``|clock``, the same text sooner); ``blank`` is shown
    when the value is empty."""

    def __init__(self, header: str, path: str, format: str = SECOND, *, blank: str = "", **kwargs: Any) -> None:
        default = f'|default:"{blank}"' if blank else ""
        super().__init__(header, f'{{% load rectify_tables %}}{{{{ record.{path}|clock:"{format}"{default} }}}}', **kwargs)


class TitleLinkCell(Cell):
    """A link to ``route`` with ``record.<arg>``, reading ``text`` (template code; by default the task at
    ``record.<task>``: "seq. title", the title cut to ``truncate`` characters when given), with template
    code ``before`` and ``after`` the link."""

    def __init__(self, header: str, route: str, *, arg: str = "uuid", text: str = "", task: str = "task",
                 truncate: int | None = None, before: str = "", after: str = "", **kwargs: Any) -> None:
        if not text:
            cut = f"|truncatechars:{truncate}" if truncate else ""
            text = f"{{{{ record.{task}.seq }}}}. {{{{ record.{task}.display_title{cut} }}}}"
        link = f"{{% load rectify_tables %}}<a href=\"{{{{ record.{arg}|link:'{route}' }}}}\">{text}</a>"
        super().__init__(header, before + link + after, **kwargs)

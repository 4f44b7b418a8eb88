"""The ledger's filters: each narrows a query set already restricted to the caller's scope."""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from rectify.accounts.scope import region_scope_key
from rectify.core import generations
from rectify.core.filters import OrderingFilter
from rectify.core.forms import DateInput
from rectify.core.params import MAX_SEARCH_TERM_CHARS, MAX_SEARCH_TERMS, IdChoiceFilter, SearchTooLong, caseless, search_q, search_terms
from rectify.core.types import AnyUser
from rectify.inspections.models import Inspection, Plan, inspection_label
from rectify.regions.models import Region, Unit

from . import search as _search  # noqa: F401  (registers the gram_contains lookup)
from .models import Task, overdue_q
from .states import TaskState

# How a search's words are looked up (``task_search_q``).
WORD_LOOKUPS = {"index": "gram_contains", "scan": "icontains", "pairs": "gram_pairs"}


def task_search_q(text: str | None, *, words: str = "index") -> Q:
    """Tasks containing every word of ``text``: the one search of the ledger, its export and the API.
    Raises ``SearchTooLong`` (capped number and length of words). ``words``: ``index``, on PostgreSQL through
    the character-pair index (``rectify.tasks.search``); ``scan``, each row's text checked as it is read (the
    ledger's page or counts of a common word: ``paging.walk_window``, ``search_counts``); ``pairs``, the
    index's condition alone, a superset of the matches for PostgreSQL to estimate (``planned_matches``)."""
    return search_q(text, "search_text", WORD_LOOKUPS[words])


# The filters looked up as words (``LedgerFilter.words``): the search, and the section title, which the search text holds.
WORD_FILTERS = ("q", "section")


def searched_text(values: Mapping[str, Any]) -> str:
    """The words a ledger page looks up (``WORD_FILTERS``: its search's and its section's), as far as the search's
    limits allow: what ``search_plans`` estimates their matches from and chooses how to find them by."""
    words = dict.fromkeys(w[:MAX_SEARCH_TERM_CHARS] for name in WORD_FILTERS for w in str(values.get(name) or "").split())
    return " ".join(list(words)[:MAX_SEARCH_TERMS])


def check_search(value: str) -> None:
    try:
        search_terms(value)
    except SearchTooLong as exc:
        raise forms.ValidationError(str(exc)) from None


class LedgerOrdering(OrderingFilter):
    """序号 sorts by plan, then naturally (1, 2, … 10, 11: ``Task.seq_key``) as in the Excel export; every
    sort ends with the id, so that pages neither repeat nor skip a task (each order has its index, ``Task.Meta.indexes``)."""

    def filter(self, qs: QuerySet[Task], value: Any) -> QuerySet[Task]:
        if not value:
            return qs
        ordering: list[str] = []
        for param in value:
            field = self.get_ordering_value(param)
            if field.lstrip("-") == "seq_key":
                ordering.append(f"{field[:-len('seq_key')]}plan_id")
            ordering.append(field)
        return qs.order_by(*ordering, "id")


# The filter form's widgets as an empty form draws them (no value, no error): the same for every user and
# request, so drawn once per process (8 widgets, about 5 ms of template rendering per ledger page).
# Keyed by language too (the yes/no menu's labels are translated), should a second language be added.
_EMPTY_WIDGETS: dict[tuple[str, str], str] = {}


class Widgets:
    """``{{ filter.widgets.state }}``: a field's widget as ``{{ filter.form.state }}`` draws it; for an
    unbound form (the ledger without a query string) the drawing made once per process."""

    def __init__(self, ledger_filter: LedgerFilter) -> None:
        self.ledger_filter = ledger_filter

    def __getitem__(self, name: str) -> str:
        """A field the request did not send draws as in the empty form (no value, no error), also when
        others were sent: a search drew all eight anew (about 5 ms)."""
        if self.ledger_filter.is_bound and (name in self.ledger_filter.data or name in self.ledger_filter.form.errors):
            return str(self.ledger_filter.form[name])
        key = (get_language() or "", name)
        if key not in _EMPTY_WIDGETS:  # the form is built only to draw them the first time
            _EMPTY_WIDGETS[key] = str(self.ledger_filter.form[name])  # a SafeString: the widget's own escaped HTML
        return _EMPTY_WIDGETS[key]


def _own_copy(base: django_filters.Filter) -> django_filters.Filter:
    """A filter of one filter set: the declared one copied, with its own ``extra`` (a filter writes its
    query set there when it builds its field) and its method bound to the copy."""
    copied = copy.copy(base)
    copied.extra = dict(base.extra)
    copied.method = base.method  # the setter binds a new FilterMethod to the copy (the base's calls the base)
    return copied


class _ShallowCopies(dict[str, django_filters.Filter]):
    """The declared filters, which each filter set copies (django-filter deep-copies them: their widgets,
    choices and query sets, 0.5 ms per filter set; a form field deep-copies its widget anyway)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, django_filters.Filter]:
        return {name: _own_copy(base) for name, base in self.items()}


class LedgerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method="filter_search", validators=[check_search])
    inspection = IdChoiceFilter(label="督察", queryset=Inspection.objects.select_related("target_region"), empty_label="全部督察")
    plan = IdChoiceFilter(label="整改方案", queryset=Plan.objects.none(), widget=forms.HiddenInput)
    # Region and unit are type-ahead fields (``regions.lookup``): a hidden id chosen from the suggestions,
    # or, without JavaScript, the name typed into the text field (every region or unit in scope it matches).
    region = IdChoiceFilter(label="区划（含下级）", queryset=Region.objects.none(), method="filter_region", widget=forms.HiddenInput)
    region_name = django_filters.CharFilter(label="区划（含下级）", method="filter_region_name", validators=[check_search])
    unit = IdChoiceFilter(label="单位", queryset=Unit.objects.none(), method="filter_unit", widget=forms.HiddenInput)
    unit_name = django_filters.CharFilter(label="单位", method="filter_unit_name", validators=[check_search])
    state = django_filters.MultipleChoiceFilter(label="状态", choices=TaskState.choices, widget=forms.CheckboxSelectMultiple,
                                               distinct=False)  # a column of the task: no join to repeat a row
    deadline_from = django_filters.DateFilter(label="时限起", field_name="deadline", lookup_expr="gte", widget=DateInput)
    deadline_to = django_filters.DateFilter(label="时限止", field_name="deadline", lookup_expr="lte", widget=DateInput)
    section = django_filters.CharFilter(label="章节", method="filter_section")
    overdue = django_filters.BooleanFilter(label="仅看逾期", method="filter_overdue", widget=forms.CheckboxInput)
    needs_completion = django_filters.BooleanFilter(
        label="仅看待完善", method="filter_needs_completion", widget=forms.CheckboxInput,
    )
    long_term = django_filters.BooleanFilter(label="长期坚持", field_name="long_term", widget=forms.NullBooleanSelect)
    ordering = LedgerOrdering(
        label="排序",
        fields=(("deadline", "deadline"), ("seq_key", "seq"), ("state", "state"), ("updated_at", "updated_at")),
        field_labels={"deadline": "整改时限", "seq_key": "序号", "state": "状态", "updated_at": "更新时间", "-updated_at": "最近更新在前"},
        empty_label="默认顺序",
    )

    class Meta:
        model = Task
        fields: list[str] = []

    def __init__(self, *args: Any, user: AnyUser, words: str = "index", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.words = words
        from rectify.regions.lookup import visible_units

        # Region, unit and plan are checked against the caller's scope one id at a time (never listed);
        # the inspection menu lists the inspections of the caller's regions. A scope is built only for
        # a field the request sends (an absent field is never checked against its choices, and the
        # default, ``none()``, offers nothing): building the four scoped query sets cost 3 ms per filter.
        self.user = user
        sent = set(self.data or ())
        if "region" in sent:
            self.filters["region"].queryset = self._regions().select_related("parent")
        if "plan" in sent:
            self.filters["plan"].queryset = Plan.objects.visible_to(user)
        if "unit" in sent:
            self.filters["unit"].queryset = visible_units(user)
        self._inspections: QuerySet[Inspection] | None = None
        if "inspection" in sent:
            self.filters["inspection"].queryset = self.inspections()

    def _regions(self) -> QuerySet[Region]:
        from rectify.regions.lookup import visible_regions

        return visible_regions(self.user)

    def inspections(self) -> QuerySet[Inspection]:
        """The inspections of the caller's regions (targeted at one, or with a plan in one)."""
        if self._inspections is None:
            regions = self._regions()
            self._inspections = Inspection.objects.filter(
                Q(pk__in=Inspection.objects.filter(target_region__in=regions).values("pk"))
                | Q(pk__in=Plan.objects.filter(region__in=regions).values("inspection_id"))
            ).select_related("target_region")
        return self._inspections

    def inspection_options(self, chosen: str = "") -> SafeString:
        """The 督察 menu's ``<option>`` elements: the empty choice, then each inspection in scope in the model's
        order, named as ``str(inspection)`` names it, the chosen one selected. Each option is escaped once per
        menu kept (``_inspection_menu``): escaping the administrator's hundreds of options on every page cost
        3–4 ms; the template loop before that, 2 ms more."""
        field = self.filters["inspection"].field  # the field alone: an unbound page builds no form
        options = [_option("", str(field.empty_label), not chosen)] if field.empty_label is not None else []
        for value, label, html in self._inspection_menu():
            options.append(_option(value, label, True) if value == chosen else html)
        return mark_safe("".join(options))  # noqa: S308  (each option escaped by format_html)

    def _inspection_menu(self) -> list[tuple[str, str, str]]:
        """(value, label, its unselected ``<option>``) of each inspection in scope: from one query of the five
        values a label needs (building the instances cost 45 µs an inspection: 7 ms of the administrator's page),
        kept per region scope until an inspection, a plan or a region changes (``core.generations``)."""
        def menu() -> list[tuple[str, str, str]]:
            rows = self.inspections().values_list("pk", "level", "round", "target_region__name", "team")
            labelled = [(str(pk), inspection_label(level, round_, region, team)) for pk, level, round_, region, team in rows]
            return [(value, label, _option(value, label, False)) for value, label in labelled]

        return generations.cached([Inspection, Plan, Region], ("inspection menu", region_scope_key(self.user)), menu)

    @property
    def widgets(self) -> Widgets:
        return Widgets(self)

    def narrowed(self, *, words: str | None = None, without: tuple[str, ...] = (),
                 base: QuerySet[Task] | None = None) -> QuerySet[Task]:
        """The query set of the validated choices (``qs``) built again without validating the form again: the words
        looked up by ``words`` (``task_search_q``), the filters ``without`` left out, over ``base`` (default: the
        caller's tasks). A ledger page reads its rows, its counts and its estimates from several such query sets: a
        form validated for each cost ~0.5 ms of CPU."""
        kept, self.words = self.words, words or self.words
        try:
            queryset: QuerySet[Task] = (self.queryset if base is None else base).all()
            for name, value in self.form.cleaned_data.items():
                if name not in without:
                    queryset = self.filters[name].filter(queryset, value)
            return queryset
        finally:
            self.words = kept

    def filter_search(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        return queryset.filter(task_search_q(value, words=self.words))

    def filter_section(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        """Tasks whose section title holds ``value`` (any case), looked up as the search's words are (``words``): each
        row's title checked (``scan``: a walked page), or the tasks first narrowed through the keyword index, whose
        search text holds the section title. A title held by few tasks was a ``LIKE`` over every task in scope: 250 ms
        for the administrator at 300,000 tasks."""
        held = Q(section_title__contains=value) if caseless(value) else Q(section_title__icontains=value)
        if self.words == "scan":
            return queryset.filter(held)
        return queryset.filter(Q(search_text__gram_contains=value), held)

    def filter_region(self, queryset: QuerySet[Task], name: str, value: Region | None) -> QuerySet[Task]:
        return queryset.filter(region_path__startswith=value.path) if value else queryset

    def _chosen(self, name: str) -> bool:
        return bool(self.form.cleaned_data.get(name))

    def filter_region_name(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        """Tasks in the subtree of any region in scope whose name has every word typed (at most 20 regions)."""
        if not value.strip() or self._chosen("region"):
            return queryset
        from rectify.regions.lookup import LIMIT, name_q, visible_regions

        paths = list(visible_regions(self.user).filter(name_q(value)).order_by("path").values_list("path", flat=True)[:LIMIT])
        q = Q(pk__in=[])
        for path in paths:
            q |= Q(region_path__startswith=path)
        return queryset.filter(q)

    def filter_unit_name(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        """Tasks assigned to any unit in scope whose name has every word typed."""
        if not value.strip() or self._chosen("unit"):
            return queryset
        from rectify.regions.lookup import name_q, visible_units

        from .models import Assignment

        units = visible_units(self.user).filter(name_q(value))
        return queryset.filter(pk__in=Assignment.objects.filter(unit__in=units).values("task_id"))

    def filter_unit(self, queryset: QuerySet[Task], name: str, value: Unit | None) -> QuerySet[Task]:
        if not value:
            return queryset
        return queryset.filter(Q(pk__in=value.assignments.values("task_id")))

    def filter_needs_completion(self, queryset: QuerySet[Task], name: str, value: bool | None) -> QuerySet[Task]:
        return queryset.filter(needs_completion=True) if value else queryset

    def filter_overdue(self, queryset: QuerySet[Task], name: str, value: bool | None) -> QuerySet[Task]:
        return queryset.filter(overdue_q(timezone.localdate())) if value else queryset


def _option(value: str, label: str, selected: bool) -> str:
    return format_html('<option value="{}"{}>{}</option>', value, mark_safe(" selected") if selected else "", label)  # noqa: S308


LedgerFilter.base_filters = _ShallowCopies(LedgerFilter.base_filters)

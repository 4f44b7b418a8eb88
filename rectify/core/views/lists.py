"""One list view for every list page: scope, permission, filters, table and paginator declared as attributes.

    class LookBackList(ScopedListView):
        model = LookBack                      # narrowed by LookBack.objects.visible_to(request.user), always
        filterset_class = LookBackFilter      # django-filter, bound to the query string
        table_class = LookBackTable           # django-tables2: the columns, declared once
        action = "acceptance.receive_filings" # optional: can(user, action) for the page, else 403 with ``denied``
        paginate_by = 30
        title = "回头看"

The base applies the scope: ``get_queryset`` is final (a subclass that defines it is refused when the
class is made); a subclass narrows or orders in ``narrow`` and adds to the rows of the page in
``decorate``. A model without scope (``scope_exempt``) is listed only by a page that says who may see
its rows: ``owner_field`` (the signed-in user's own rows) or an ``action`` that grants the whole table.
A public page (``public``, the reason in words) needs no login and its queryset is the public record.

Pages paginate through ``rectify.core.pagination.paginate`` (the ``page`` parameter, a bad number
answers a page) and render ``templates/core/list.html``: the filter form (fields through
``includes/field.html``), the table (``includes/table.html``), the paginator include. A page that
shows more (the job list's periodic checks) extends that template and fills its blocks.

Permissions are asked through ``rectify.core.hooks.ask``, where ``accounts`` registers its ``can`` when it
starts, so that ``core`` does not import ``accounts``; with nothing registered a page with an action is refused.
"""
from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.views.generic import ListView

from rectify.core.hooks import ask
from rectify.core.pagination import paginate


class ScopedListView(ListView):  # type: ignore[type-arg]
    model: type[Model] | None = None
    queryset: QuerySet[Any] | None = None
    action: ClassVar[str] = ""  # asked for the page: can(user, action)
    denied: ClassVar[str] = "您没有权限查看此页"
    owner_field: ClassVar[str] = ""  # scope-exempt rows read only by their owner (a notification's recipient)
    public: ClassVar[str] = ""  # why this page is public (no login, its queryset is the public record)
    filterset_class: ClassVar[Any] = None
    table_class: ClassVar[Any] = None
    paginate_by = 20
    page_param: ClassVar[str] = "page"
    deferred: ClassVar[bool] = False  # the page's keys first (``core.paginator.DeferredPaginator``)
    # No total: the links go one page on or back (``core.paginator.CountlessPaginator``). For a log that only grows
    # (sign-ins, personal data read): its count read every row of it on every page (2,000,000 sign-ins: 180 ms).
    countless: ClassVar[bool] = False
    template_name = "core/list.html"
    title: ClassVar[str] = ""
    empty: ClassVar[str] = "暂无记录。"
    empty_filtered: ClassVar[str] = ""  # shown instead of ``empty`` when a filter is chosen

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__}: ScopedListView applies the scope in get_queryset; narrow the rows in narrow()")

    # ---------------------------------------------------------------- the page
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not self.public and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if self.action and not ask(request.user, self.action, self.action_object()):
            raise PermissionDenied(self.denied)
        return super().dispatch(request, *args, **kwargs)

    def action_object(self) -> Any:
        """The record the page's action is asked about (None: the action has no object). A page of one
        record's rows (a round's reports) finds the record here, within the user's scope (else 404)."""
        return None

    # ---------------------------------------------------------------- the rows
    def base_queryset(self) -> QuerySet[Any]:
        if self.queryset is not None:
            return self.queryset.all()
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} names neither model nor queryset")
        return self.model._default_manager.all()

    def scoped_queryset(self) -> QuerySet[Any]:
        """The rows the user may see: ``visible_to(user)``, or the declared exemption of a page or a model."""
        qs = self.base_queryset()
        user = self.request.user
        if self.public:
            return qs
        if getattr(qs.model, "scope_exempt", None):
            if self.owner_field:
                return qs.filter(**{self.owner_field: user})
            if self.action:
                return qs  # the page's action grants the whole table (administrators)
            raise ImproperlyConfigured(f"{type(self).__name__}: {qs.model._meta.label} has no scope; "
                                       "name owner_field or the action that grants the whole table")
        return qs.visible_to(user)  # type: ignore[attr-defined,no-any-return]

    def get_queryset(self) -> QuerySet[Any]:
        qs = self.scoped_queryset()
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            qs = self.filterset.qs
        return self.narrow(qs)

    def narrow(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        """The subclass's own narrowing, related rows and order (never the scope: that is done)."""
        return qs

    def decorate(self, rows: list[Any]) -> None:
        """Add to the rows of the page what the table shows beside the columns (labels, lights …)."""

    def count(self, queryset: QuerySet[Any]) -> int | None:
        """The number of rows, when the subclass knows a cheaper query for it than counting ``queryset``."""
        return None

    def paginate_queryset(self, queryset: Any, page_size: int) -> tuple[Any, Any, list[Any], bool]:
        page = paginate(self.request, queryset, page_size, param=self.page_param, deferred=self.deferred,
                        count=None if self.countless else self.count(queryset), countless=self.countless)
        page.object_list = rows = list(page.object_list)
        self.decorate(rows)
        return page.paginator, page, rows, page.has_other_pages()

    def chosen(self, name: str) -> Any:
        """The valid value of the filter ``name`` ("" when absent or invalid)."""
        form = self.filterset.form if self.filterset is not None else None
        if form is None or not form.is_bound:
            return ""
        form.is_valid()
        return form.cleaned_data.get(name) or ""

    def filtered(self) -> bool:
        """Whether a valid filter is chosen (the page then says that nothing matches, not that nothing exists)."""
        return self.filterset is not None and any(self.chosen(name) for name in self.filterset.form.fields)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        context.update(page=page, filter=self.filterset, title=self.title,
                       empty=self.empty_filtered if self.empty_filtered and self.filtered() else self.empty)
        if self.table_class is not None:
            context["table"] = self.table_class(page.object_list, empty_text=context["empty"], orderable=False)
        return context

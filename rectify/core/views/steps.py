"""One view for every step posted from a page: record, permission, form and service call declared as attributes.

    class RecordObjection(StepView):
        model = Announcement                  # the record: Announcement.objects.visible_to(user), by the URL's uuid (else 404)
        action = "acceptance.object"          # required: can(user, action, target) or 403 with ``denied``
        target = "task"                       # optional: the attribute path to what the action is asked about
        denied = "只有整改办可以登记公示异议"
        form_class = ObjectionForm

        def perform(self, obj, data):         # the service call only; its message (or a Done)
            services.record_objection(obj, self.request.user, content=data["content"], contact=data["contact"])
            return "异议已登记"

        def back_url(self, obj):
            return reverse("acceptance:file", args=[obj.task.uuid])

The base does what no step may forget: login (``as_view`` is behind ``login_required``), the methods
(``http_method_names``, POST only unless the step has a page of its own), the scope (``get_object`` is
final: a subclass narrows the rows in ``narrow``), the permission (``action`` is required when the class
is made; ``dispatch`` is final) and then the engine, ``rectify.core.steps.post_step``: the form, the
service's refusal (a message and back, or the step's ``template`` again with the error and 400) and the
success. A step with a page of its own (``template``) shows it on GET, to those the action allows, or
to everyone in scope when ``open_page`` says the page is also the record's page.

Permissions are asked through ``rectify.core.hooks.ask``, where ``accounts`` registers its ``can`` at
start-up, so that ``core`` does not import ``accounts``; with nothing registered every step is refused.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.generic import View

from rectify.core.hooks import ask
from rectify.core.steps import Done, post_step
from rectify.core.types import AuthedRequest

# What a subclass may not replace: the login, the scope and the permission are the base's.
FINAL = ("as_view", "dispatch", "get_object", "setup", "get", "post", "run")


class StepView(View):
    request: AuthedRequest  # behind login_required (as_view)
    model: ClassVar[type[Model] | None] = None  # None: a step about no record (its action has no object)
    action: ClassVar[str] = ""  # required: the key of the permission table asked before anything else
    target: ClassVar[str] = ""  # attribute path from the record to the object the action is asked about
    denied: ClassVar[str] = "您没有权限进行此操作"
    form_class: ClassVar[Any] = None  # None: a step without fields
    template: ClassVar[str] = ""  # a step with a page of its own: GET shows it, an error shows it again (400)
    open_page: ClassVar[bool] = False  # GET shows the page to everyone in scope; only the POST asks the action
    invalid: ClassVar[str] = ""  # the message of an invalid form, instead of its errors
    lookup_field: ClassVar[str] = "uuid"
    lookup_kwarg: ClassVar[str] = "uuid"
    select_related: ClassVar[tuple[str, ...]] = ()
    http_method_names = ["post"]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.action:
            raise TypeError(f"{cls.__name__}: a StepView names its action (the permission asked before the step)")
        replaced = [name for name in FINAL if name in cls.__dict__]
        if replaced:
            raise TypeError(f"{cls.__name__}: StepView applies login, scope and permission in {', '.join(replaced)}; "
                            "narrow the record in narrow(), name what is asked in target or target_object()")
        if cls.template and "get" not in cls.http_method_names:
            cls.http_method_names = ["get", "head", "post"]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponseBase]:
        return login_required(super().as_view(**initkwargs))

    # ---------------------------------------------------------------- the request
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if (request.method or "").lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        obj = self.get_object()
        if request.method == "POST" or not self.open_page:
            self.check(obj)
        return self.run(obj)

    def check(self, obj: Any) -> None:
        """403 unless the action allows the user on the target, and the step's own precondition holds."""
        if not ask(self.request.user, self.action, self.target_object(obj)):
            raise PermissionDenied(self.denial(obj))
        refusal = self.refusal(obj)
        if refusal:
            raise PermissionDenied(refusal)

    def run(self, obj: Any) -> HttpResponse:
        def act(data: dict[str, Any]) -> str | Done:
            return self.perform(obj, data)

        return post_step(self.request, self.get_form(obj), act, back=self.back_url(obj), template=self.template,
                         context=self.get_context(obj) if self.template else None, invalid=self.invalid,
                         refused=self.precondition(obj) if self.request.method == "POST" else "")

    # ---------------------------------------------------------------- the record
    def get_object(self) -> Any:
        """The record of the URL within the user's scope (``visible_to``), else 404; None for a step about no record."""
        if self.model is None:
            return None
        qs = self.model._default_manager.visible_to(self.request.user)  # type: ignore[attr-defined]
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return get_object_or_404(self.narrow(qs), **{self.lookup_field: self.kwargs[self.lookup_kwarg]})

    def narrow(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        """The step's own narrowing (the record under its parent of the URL, related rows), never the scope."""
        return qs

    def target_object(self, obj: Any) -> Any:
        """What the action is asked about: the record, or the object at ``target`` from it."""
        for name in filter(None, self.target.split(".")):
            obj = getattr(obj, name)
        return obj

    def denial(self, obj: Any) -> str:
        """The 403 message when the action refuses (a step whose refusal has several reasons says which)."""
        return self.denied

    def refusal(self, obj: Any) -> str:
        """A 403 the action alone does not give (the applicant reviewing their own application); '' when none."""
        return ""

    def precondition(self, obj: Any) -> str:
        """A refusal known before the form is read (a closed round), shown like the service's; '' when none."""
        return ""

    # ---------------------------------------------------------------- the step
    def get_form(self, obj: Any) -> Any:
        if self.form_class is None:
            return None
        data = self.request.POST if self.request.method == "POST" else None
        return self.form_class(data, **self.get_form_kwargs(obj))

    def get_form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {}

    def get_context(self, obj: Any) -> dict[str, Any]:
        """What the step's own page shows beside ``form`` and ``error``."""
        return {}

    def perform(self, obj: Any, data: dict[str, Any]) -> str | Done:
        """The service call with the form's data; its message, or a ``Done``. A ``Refused`` is shown."""
        raise NotImplementedError(f"{type(self).__name__} performs no step")

    def back_url(self, obj: Any) -> str:
        """Where the person goes after the step (a step with a page of its own and a ``Done.url`` may leave it '')."""
        return ""

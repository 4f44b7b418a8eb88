"""The second template engine (Jinja2): the hot fragments, the ledger and task pages and the pages' chrome.

Django's template language costs about half a millisecond per ledger row (a variable lookup walks
dicts, attributes and calls for each ``{{ }}``; each ``{% include %}`` and ``{% url %}`` is a node
rendered with its own context); Jinja2 compiles the same template to Python. The ledger (``tasks.views.ledger``,
the most visited page) and a task's page (``tasks.views.task_detail``) are Jinja2 pages over ``layout.html``;
the other pages stay Django templates, whose ``base.html`` draws the same chrome (``chrome/*.html``: top bar,
messages, footer) and paginator with ``{% load jinja_fragments %}``.

The output is Django's (the fragments byte for byte, the pages but for blank lines): every ``{{ value }}``
goes through ``finalize`` (``printed``), which escapes as Django's ``conditional_escape`` does (``html.escape``:
``&quot;``, ``&#x27;``; text already marked safe, ``__html__``, is kept), and is printed as it returns it
(``PrintingCodeGenerator``), not escaped again with markupsafe's rules (``&#34;``, ``&#39;``). The
filters are Django's, with fast paths that return what Django's return; the globals are Django's tags
(``url``, ``static``, ``now``, ``can``; the apps' ``template_global``; ``csrf_input`` comes with the request).
"""
from __future__ import annotations

import datetime
import html
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from uuid import UUID

import jinja2
import jinja2.runtime
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters
from django.templatetags.static import static
from django.test.signals import template_rendered
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from jinja2 import Environment, Undefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from markupsafe import Markup

from rectify.core import hooks
from rectify.core.types import AnyUser


def escaped(value: Any) -> Any:
    """What Django prints for ``{{ value }}``: ``str(value)`` (a message, a form's errors), then its
    ``conditional_escape``: safe text as it is, anything else ``html.escape``."""
    if not isinstance(value, str):
        value = str(value)
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(value))  # noqa: S704  (escaped here, by Django's rules)


def printed(value: Any) -> str:
    """What ``{{ value }}`` prints (the environment's ``finalize``): ``escaped``'s text, without its ``Markup``
    (``PrintingCodeGenerator`` puts nothing around it)."""
    if type(value) is str:
        return html.escape(value)
    text: str = value if isinstance(value, str) else str(value)
    if hasattr(text, "__html__"):
        return text
    return html.escape(text)


class PrintingCodeGenerator(CodeGenerator):
    """Compiles ``{{ value }}`` to ``environment.finalize(value)`` where Jinja2 writes ``escape(environment.finalize(value))``:
    ``finalize`` (``printed``) has escaped the value already, and Jinja2's ``escape`` of its result would give the
    same text as a new ``Markup`` (two calls and two ``Markup``s a value; ~500 values on a ledger page).
    Where autoescape may change while rendering (``{% autoescape %}``), Jinja2's code is kept."""

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._finalized_only(frame, finalize):
            self.write(finalize.src)
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._finalized_only(frame, finalize):
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)

    @staticmethod
    def _finalized_only(frame: Frame, finalize: Any) -> bool:
        return bool(frame.eval_ctx.autoescape and not frame.eval_ctx.volatile and finalize.src is not None)


def join(values: Iterable[Any], separator: str) -> Markup:
    """Django's ``join`` filter: each item and the separator escaped (Jinja2's escapes by markupsafe's rules)."""
    return Markup(escaped(separator).join(escaped(value) for value in values))  # noqa: S704  (escaped)


# ``url(name)`` without arguments, reversed once per URL configuration and script prefix: a page's chrome
# and the ledger reverse about 20 names (30-40 µs each on this machine, close to a ms a page). With one uuid
# (a task's page links its task six times), the path around a uuid is kept the same way (``_UUID_URLS``).
_URLS: dict[tuple[str, Any, str], str] = {}
_UUID_URLS: dict[tuple[str, Any, str], tuple[str, str]] = {}
_MARK = UUID(int=0)


def url(name: str, *args: Any) -> str:
    """``{% url name args %}``; with no arguments, from ``_URLS``; with one uuid, from ``_UUID_URLS``."""
    if args:
        if len(args) == 1 and isinstance(args[0], UUID):
            head, tail = _around_uuid(name)
            return f"{head}{args[0]}{tail}"
        return reverse(name, args=args)
    key = (name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    found = _URLS.get(key)
    if found is None:
        found = _URLS[key] = reverse(name)
    return found


def _around_uuid(name: str) -> tuple[str, str]:
    """The path of ``name`` before and after its uuid argument (a uuid needs no quoting in a path)."""
    key = (name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    found = _UUID_URLS.get(key)
    if found is None:
        head, tail = reverse(name, args=[_MARK]).split(str(_MARK))
        found = _UUID_URLS[key] = (head, tail)
    return found


# ``static(path)`` kept per path and script prefix (a relative STATIC_URL is under it): ~9 µs each through the
# storage, 4 to 6 a page. A change of the settings it reads (tests) empties it.
_STATIC: dict[tuple[str, str], str] = {}
_STATIC_SETTINGS = frozenset({"STATIC_URL", "STATIC_ROOT", "STORAGES", "STATICFILES_DIRS", "DEBUG", "INSTALLED_APPS",
                              "FORCE_SCRIPT_NAME"})


def kept_static(path: str) -> str:
    """``{% static path %}``, from ``_STATIC``."""
    key = (path, get_script_prefix())
    found = _STATIC.get(key)
    if found is None:
        found = _STATIC[key] = static(path)
    return found


@receiver(setting_changed)
def _forget_static(*, setting: str, **kwargs: Any) -> None:
    if setting in _STATIC_SETTINGS:
        _STATIC.clear()


def now(fmt: str) -> str:
    """``{% now fmt %}``: the current time in the current time zone, formatted as Django's ``date`` does."""
    return date(datetime.datetime.now(tz=timezone.get_current_timezone()), fmt)


def can(user: AnyUser | None, action: str, obj: Any = None) -> bool:
    """``{% can action obj %}``: the permission table's question (``rectify.accounts.permissions.can``, which
    accounts registers with ``core.hooks``; core imports no app)."""
    return hooks.ask(user, action, obj)


# Functions the apps above core give the Jinja2 templates (``template_global``, from their ``AppConfig.ready``,
# which runs before the engine is built): the chrome's ``unread_count`` (notifications).
_APP_GLOBALS: dict[str, Callable[..., Any]] = {}


def template_global(name: str, func: Callable[..., Any]) -> None:
    """Register ``func`` as the Jinja2 global ``name``."""
    _APP_GLOBALS[name] = func


class Template(jinja2.Template):
    """Tells Django's test client what it rendered (``response.context``, ``response.templates``), as Django's
    own templates do in tests: the signal is sent when someone listens (the test client), for a page and
    each template it includes. Without receivers this is one attribute test."""

    def new_context(self, vars: dict[str, Any] | None = None, shared: bool = False,
                    locals: Mapping[str, Any] | None = None) -> jinja2.runtime.Context:
        context = super().new_context(vars, shared, locals)
        if template_rendered.receivers:
            template_rendered.send(sender=self, template=self, context=context.get_all())
        return context


def date(value: Any, fmt: str) -> str:
    """Django's ``date`` filter, on the local time as Django's templates give it to the filter (an aware
    moment in the current time zone); a plain date as ``Y-m-d`` is its ISO form (``%04d-%02d-%02d``)."""
    if fmt == "Y-m-d" and type(value) is datetime.date:
        return value.isoformat()
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)  # as the template engine gives it to the filter (template_localtime)
    return _local_date(value, fmt)


def dates_in_current_zone(fmt: str) -> Callable[[Any], str]:
    """``date(value, fmt)`` for the many moments of one page (a timeline's): the current time zone asked once
    (~3 µs a moment through ``timezone.localtime``)."""
    zone = timezone.get_current_timezone()

    def formatted(value: Any) -> str:
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = value.astimezone(zone)
        return _local_date(value, fmt)

    return formatted


def _local_date(value: Any, fmt: str) -> str:
    """``date``'s text of a value already in the current time zone."""
    if isinstance(value, datetime.datetime):
        if fmt == "Y-m-d H:i":
            return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"
        if fmt == "Y年n月j日 H:i":  # the footer's (90 µs through Django's formatter)
            return f"{value.year}年{value.month}月{value.day}日 {value.hour:02d}:{value.minute:02d}"
    elif fmt == "Y年n月j日" and type(value) is datetime.date:  # a task's deadline on its page
        return f"{value.year:04d}年{value.month}月{value.day}日"
    elif fmt == "Y-m-d" and type(value) is datetime.date:
        return value.isoformat()
    return str(defaultfilters.date(value, fmt))


def linebreaksbr(value: Any) -> Markup:
    """Django's ``linebreaksbr`` as its templates call it (autoescape on): the text escaped, each line break a ``<br>``."""
    return Markup(defaultfilters.linebreaksbr(value, autoescape=True))  # noqa: S704  (escaped by Django)


def truncatechars(value: Any, length: int) -> str:
    """Django's ``truncatechars``; a text no longer than ``length`` is returned NFC-normalized, as Django does."""
    text = str(value)
    if 0 < length and len(text) <= length:
        return unicodedata.normalize("NFC", text)
    return str(defaultfilters.truncatechars(text, length))


def uuid_url(name: str) -> Callable[[Any], str]:
    """``reverse(name, args=[uuid])`` for many uuids (a uuid or its text): the uuid put in its place (``_around_uuid``)."""
    head, tail = _around_uuid(name)
    return lambda uuid: f"{head}{uuid if type(uuid) is UUID else UUID(str(uuid))}{tail}"


def environment(**options: Any) -> Environment:
    options.pop("autoescape", None)
    options["finalize"] = printed
    options["undefined"] = Undefined  # a missing value prints nothing, as in Django (also with DEBUG)
    env = Environment(autoescape=True, **options)
    env.template_class = Template
    env.code_generator_class = PrintingCodeGenerator
    from .timeline import timeline_items  # it draws with this module's filters

    env.globals.update(uuid_url=uuid_url, url=url, static=kept_static, now=now, can=can, timeline_items=timeline_items,
                       **_APP_GLOBALS)
    env.filters["date"] = date
    env.filters["truncatechars"] = truncatechars
    env.filters["join"] = join
    env.filters["linebreaksbr"] = linebreaksbr
    return env

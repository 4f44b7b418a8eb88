"""Jinja2 templates drawn inside Django's: ``{% load jinja_fragments %}``.

``{% chrome "topbar" %}`` (also ``head``, ``messages``, ``footer``): a part of every page's chrome, whose one
copy is ``core/jinja2/chrome/<part>.html``: Django's ``base.html`` and the Jinja2 pages' ``layout.html`` (the
ledger) both draw it. ``{% jinja_fragment "includes/paginator.html" page=page %}``: a Jinja2 template with
the values given (``includes/paginator.html``, shared the same way).
"""
from __future__ import annotations

from typing import Any

from django import template
from django.template import engines
from django.template.backends.utils import csrf_input_lazy
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

CHROME_PARTS = frozenset({"head", "topbar", "messages", "footer"})


@register.simple_tag(takes_context=True)
def chrome(context: Any, part: str) -> SafeString:
    """The part with what Django's context processors gave the page (the user, their roles, the messages)."""
    if part not in CHROME_PARTS:
        raise template.TemplateSyntaxError(f"no chrome part {part!r}")
    request = context.get("request")
    values = {"request": request, "user": context.get("user"), "user_roles": context.get("user_roles", ()),
              "messages": context.get("messages", ()), "csrf_input": csrf_input_lazy(request) if request else ""}
    return jinja_fragment(f"chrome/{part}.html", **values)


@register.simple_tag
def jinja_fragment(name: str, **values: Any) -> SafeString:
    return mark_safe(engines["jinja2"].get_template(name).render(values))  # noqa: S308  (Jinja2 escaped every value)

"""Fill and submit the forms a page really shows, over the Django test client.

``submit`` reads the page's HTML form (so a field added to a form later is filled too): every
free-text field gets ``text(name)``, hidden fields keep their values (version, CSRF), a select or
radio group keeps its choice or takes the first real option, a checkbox group with nothing ticked
gets its first box, and every file input gets a small real file. ``overrides`` set the rest.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlparse

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from lxml import html as lxml_html

from conftest import pdf_bytes, png_bytes

TEXT_TYPES = {"", "text", "search", "email", "tel", "url"}
SKIP_TYPES = {"submit", "button", "reset", "image", "password"}



def a_file(name: str, accept: str) -> SimpleUploadedFile:
    if "image" in accept and "pdf" not in accept:
        return SimpleUploadedFile(f"{name}.png", png_bytes(), "image/png")
    return SimpleUploadedFile(f"{name}.pdf", pdf_bytes(), "application/pdf")


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, hidden, select, radio, checkbox, file, number, date, other
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    accept: str = ""
    multiple: bool = False


@dataclass
class Form:
    action: str
    fields: dict[str, Field]


def _field_of(element: Any) -> Field | None:
    name = element.get("name")
    if not name:
        return None
    tag = element.tag
    if tag == "textarea":
        return Field(name, "textarea", element.text or "")
    if tag == "select":
        options = [o.get("value", o.text or "") for o in element.iter("option")]
        chosen = [o.get("value", o.text or "") for o in element.iter("option") if o.get("selected") is not None]
        return Field(name, "select", chosen[0] if chosen else "", options=options, checked=chosen, multiple=element.get("multiple") is not None)
    kind = (element.get("type") or "").lower()
    if kind in SKIP_TYPES:
        return None
    value = element.get("value", "")
    if kind in TEXT_TYPES:
        return Field(name, "text", value)
    if kind in {"hidden", "number", "date", "datetime-local", "file"}:
        return Field(name, kind, value, accept=element.get("accept", ""))
    if kind in {"radio", "checkbox"}:
        return Field(name, kind, options=[value or "on"], checked=[value or "on"] if element.get("checked") is not None else [])
    return Field(name, "other", value)


def forms_on(content: str, page_url: str) -> list[Form]:
    doc = lxml_html.fromstring(content)
    found = []
    for form in doc.iter("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        action = urlparse(urljoin(page_url, form.get("action") or page_url)).path
        fields: dict[str, Field] = {}
        for element in form.iter("input", "textarea", "select"):
            f = _field_of(element)
            if f is None:
                continue
            if f.name in fields and f.kind in {"radio", "checkbox"}:
                fields[f.name].options += f.options
                fields[f.name].checked += f.checked
            else:
                fields[f.name] = f
        found.append(Form(action, fields))
    return found


def values(form: Form, text: Callable[[str], str], overrides: Mapping[str, Any], files_named: str = "材料") -> dict[str, Any]:  # noqa: C901 - test helper: one flat branch per form field type
    data: dict[str, Any] = {}
    today = timezone.localdate().isoformat()
    for name, f in form.fields.items():
        if name in overrides:
            continue
        if f.kind in {"text", "textarea"}:
            data[name] = text(name)
        elif f.kind == "hidden" or f.kind == "other":
            data[name] = f.value
        elif f.kind == "number":
            data[name] = f.value or "1"
        elif f.kind == "date":
            data[name] = f.value or today
        elif f.kind == "file":
            data[name] = a_file(files_named, f.accept)
        elif f.kind == "select":
            real = [o for o in f.options if o]
            data[name] = f.checked if (f.multiple and f.checked) else (f.value or (real[0] if real else ""))
        elif f.kind == "radio":
            data[name] = f.checked[0] if f.checked else f.options[0]
        elif f.kind == "checkbox":
            if f.checked:
                data[name] = f.checked if len(f.options) > 1 else f.checked[0]
            elif len(f.options) > 1:
                data[name] = [f.options[0]]  # a group: tick the first box
    data.update({k: v for k, v in overrides.items() if v is not None})
    return data


def submit(client: Client, page_url: str, *, action: str | None = None, text: Callable[[str], str] = lambda name: "测试内容",
           overrides: Mapping[str, Any] | None = None) -> HttpResponse:
    """GET ``page_url``, take its POST form (the one posting to ``action`` when given), fill it and post it."""
    page = client.get(page_url)
    assert page.status_code == 200, f"{page_url} 返回 {page.status_code}"
    candidates = [f for f in forms_on(page.content.decode(), page_url) if action is None or f.action == action]
    candidates = [f for f in candidates if not f.action.startswith("/accounts/logout")]
    assert candidates, f"{page_url} 上没有提交到 {action or '本页'} 的表单"
    form = candidates[0]
    return client.post(form.action, values(form, text, overrides or {}))  # type: ignore[return-value]

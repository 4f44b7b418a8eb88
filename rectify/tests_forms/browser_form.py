"""Reading an HTML form the way a browser submits it, for round-trip tests over HTTP."""
from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Tag

NOT_SUBMITTED = {"submit", "button", "image", "reset", "file"}

# The HTML standard's value sanitization: a value an input type cannot hold becomes "" (the
# browser shows an empty field and submits nothing in it). 2027/06/30 in a date input is such a value.
VALID_VALUE = {
    "date": re.compile(r"^\d{4,}-\d{2}-\d{2}$"),
    "datetime-local": re.compile(r"^\d{4,}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$"),
    "time": re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$"),
    "month": re.compile(r"^\d{4,}-\d{2}$"),
    "week": re.compile(r"^\d{4,}-W\d{2}$"),
    "number": re.compile(r"^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?$"),
}


def sanitized(kind: str, value: str) -> str:
    """What the browser keeps of ``value`` in an input of type ``kind``."""
    pattern = VALID_VALUE.get(kind)
    if pattern is not None and not pattern.match(value):
        return ""
    if kind in {"text", "search", "tel", "password", "email", "url"}:
        value = value.replace("\r", "").replace("\n", "")
    return value


def attr(tag: Tag, name: str, default: str = "") -> str:
    value = tag.get(name)
    if value is None:
        return default
    return value if isinstance(value, str) else " ".join(value)


def find_form(html: str, *, contains: str | None = None, selector: str | None = None) -> Tag:
    """The POST form selected by CSS ``selector``, or the one with a control named ``contains``."""
    soup = BeautifulSoup(html, "html.parser")
    if selector:
        found = soup.select_one(selector)
        assert isinstance(found, Tag), f"no form matches {selector!r}"
        return found
    for form in soup.find_all("form"):
        if not isinstance(form, Tag) or attr(form, "method", "get").lower() != "post":
            continue
        if contains is None or form.select_one(f'[name="{contains}"]') is not None:
            return form
    raise AssertionError(f"no POST form with a control named {contains!r}")


def _textarea_value(tag: Tag) -> str:
    # The HTML parser keeps the newline that a browser drops right after <textarea>.
    text = tag.string if tag.string is not None else tag.get_text()
    return text[1:] if text.startswith("\n") else text


def submitted(form: Tag, *, button: str | None = None) -> list[tuple[str, str]]:
    """The (name, value) pairs the browser would send for ``form`` untouched.

    Disabled controls and unchecked boxes send nothing; a select sends its selected options
    (its first option when none is marked); a textarea's line breaks go out as CRLF, as browsers
    send them. ``button`` names the submit button pressed (``name=value``), if it matters.
    """
    pairs: list[tuple[str, str]] = []
    for tag in form.find_all(["input", "select", "textarea", "button"]):
        if not isinstance(tag, Tag):
            continue
        name = attr(tag, "name")
        if not name or tag.has_attr("disabled") or tag.find_parent("fieldset", disabled=True):
            continue
        if tag.name == "button":
            continue
        if tag.name == "textarea":
            pairs.append((name, _textarea_value(tag).replace("\r\n", "\n").replace("\n", "\r\n")))
        elif tag.name == "select":
            options = tag.find_all("option")
            chosen = [o for o in options if isinstance(o, Tag) and o.has_attr("selected")]
            if not chosen and options and not tag.has_attr("multiple"):
                chosen = [options[0]]
            pairs += [(name, attr(o, "value", o.get_text())) for o in chosen if isinstance(o, Tag)]
        else:
            kind = attr(tag, "type", "text").lower()
            if kind in NOT_SUBMITTED:
                continue
            if kind in {"checkbox", "radio"}:
                if tag.has_attr("checked"):
                    pairs.append((name, attr(tag, "value", "on")))
                continue
            pairs.append((name, sanitized(kind, attr(tag, "value"))))
    if button:
        key, _, value = button.partition("=")
        pairs.append((key, value))
    return pairs


def as_post_data(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Pairs as the test client's POST data (repeated names become lists)."""
    data: dict[str, Any] = {}
    for name, value in pairs:
        if name in data:
            data[name] = [*data[name], value] if isinstance(data[name], list) else [data[name], value]
        else:
            data[name] = value
    return data

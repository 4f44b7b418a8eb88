"""One base for every refusal: a rule of the loop says no, in Chinese, to the person who asked.

``Refused(message, field=…, code=…, status=…)`` carries what both interfaces need: the HTTP
status (400 a rule, 403 outside one's scope, 409 a stale edit, 422 bad input), the Chinese
message, the form field it belongs to (if any) and a short machine code. Pages map it once
(``form_errors`` / ``refusal_to_form`` / ``show_refusal``), the API once (``problem``, installed
by ``rectify.api.errors``). Each app subclasses it for its own refusals and raises nothing else.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django.http import HttpRequest


class Refused(Exception):
    """A request the rules refuse; ``message`` is shown to the person as is."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "refused"
    default_message: ClassVar[str] = "操作未被允许"

    def __init__(self, message: str = "", *, field: str = "", code: str = "", status: int = 0,
                 errors: dict[str, list[str]] | None = None) -> None:
        self.message = str(message) if message else self.default_message
        self.field = field
        if code:
            self.code = code  # type: ignore[misc]  # an instance may narrow its class's code
        if status:
            self.status = status  # type: ignore[misc]
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        if field and not self.errors:
            self.errors[field] = [self.message]
        super().__init__(self.message)

    def extra(self) -> dict[str, Any]:
        """Further members of the API's problem answer (e.g. the current version of a stale edit)."""
        return {}


def problem(exc: Refused, field_errors: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The API's JSON answer to a refusal: ``detail`` (the Chinese message), ``code``, ``status``,
    ``errors`` (per field, when the refusal names fields) and any extra members."""
    payload: dict[str, Any] = {"detail": exc.message, "code": exc.code, "status": exc.status}
    if field_errors:
        payload["errors"] = field_errors
    payload.update(exc.extra())
    return payload


def form_errors(form: Any) -> str:
    """A form's errors as one Chinese sentence: "标签：错误、错误；…" (no label for the form as a whole)."""
    parts = []
    for key, errors in form.errors.items():
        field = form.fields.get(key)
        label = field.label if field is not None and field.label else ""
        parts.append(f"{label}：{'、'.join(errors)}" if label else "、".join(errors))
    return "；".join(parts)


def refusal_to_form(form: Any, exc: Refused) -> None:
    """Show a refusal on a form: under its field when the form has that field, else above the form."""
    if exc.errors:
        for name, messages in exc.errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def show_refusal(request: HttpRequest, exc: Refused) -> None:
    """Show a refusal as a message on the next page."""
    from django.contrib import messages

    messages.error(request, exc.message)

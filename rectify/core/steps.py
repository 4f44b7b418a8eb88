"""One view helper for every step posted from a page: the page side of ``rectify.core.actions``.

``post_step`` does what each step view used to spell out by hand: refuse a person outside the role
(403), read the form, call the service (``act``), show its refusal or its success, and go on. A step
posted from another page (the task's file, a notice) goes back there with a message; a step with
a page of its own (``template``) shows that page again with the error, answering 400.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .refusals import Refused, form_errors


@dataclass(frozen=True)
class Done:
    """What a successful step tells the person, and where it goes next (default: ``back``)."""

    message: str
    url: str = ""
    level: int = messages.SUCCESS


def post_step(request: HttpRequest, form: Any, act: Callable[[dict[str, Any]], str | Done], *, back: str,
              allowed: bool = True, denied: str = "", template: str = "", context: Mapping[str, Any] | None = None,
              invalid: str = "", refused: str = "") -> HttpResponse:
    """Run one step from a page.

    - ``allowed`` false: 403 with ``denied``.
    - A GET (pages with a ``template`` only): the page with its form.
    - ``refused`` (a refusal known before the form is read), an invalid form (its errors, or
      ``invalid`` when given) or a ``Refused`` from ``act``: with a ``template``, the page again with
      ``error`` (400); without, the message and back to ``back``.
    - Success: ``act``'s message (a ``Done`` may name the level and the next page), then onwards.
    ``form`` may be None for a step without fields (``act`` then gets an empty dict).
    """
    if not allowed:
        raise PermissionDenied(denied)
    error = ""
    if request.method == "POST":
        if refused:
            error = refused
        elif form is not None and not form.is_valid():
            error = invalid or form_errors(form)
        else:
            try:
                done = act(form.cleaned_data if form is not None else {})
            except Refused as exc:
                error = exc.message
            else:
                done = done if isinstance(done, Done) else Done(done)
                messages.add_message(request, done.level, done.message)
                return redirect(done.url or back)
    if template:
        return render(request, template, {**(context or {}), "form": form, "error": error}, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect(back)

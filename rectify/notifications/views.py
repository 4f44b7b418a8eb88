"""The signed-in user's notifications: only their own (anyone else's answers 404)."""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from rectify.core.pagination import paginate
from rectify.core.types import AuthedRequest

from . import services
from . import todo as todo_lists
from .models import Notification

PAGE_SIZE = 20


@login_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    notes = (
        Notification.objects.filter(recipient=request.user)
        .annotate(unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()))
        .order_by("-unread", "-created_at", "-id")
    )
    page = paginate(request, notes, PAGE_SIZE)
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def open_notification(request: AuthedRequest, uuid: Any) -> HttpResponse:
    note = get_object_or_404(Notification, uuid=uuid, recipient=request.user)
    services.mark_read(note)
    if note.url and services.is_local_url(note.url):
        return redirect(note.url)
    return redirect("notifications:list")


@login_required
@require_POST
def read_all(request: AuthedRequest) -> HttpResponse:
    n = services.mark_all_read(request.user)
    messages.success(request, f"已将 {n} 条通知标为已读" if n else "没有未读通知")
    return redirect("notifications:list")


@login_required
def todo(request: AuthedRequest) -> HttpResponse:
    """待我处理: every list of the user's roles, scoped, with up to PAGE_LIMIT entries each."""
    return render(request, "notifications/todo.html", {"lists": todo_lists.todo_for(request.user, todo_lists.PAGE_LIMIT)})

"""The signed-in user's notifications: only their own (anyone else's answers 404)."""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from rectify.core.types import AuthedRequest
from rectify.core.views.lists import ScopedListView

from . import services
from . import todo as todo_lists
from .models import Notification

PAGE_SIZE = 20


class NotificationList(ScopedListView):
    model = Notification
    owner_field = "recipient"  # a notification is read only by its recipient
    paginate_by = PAGE_SIZE
    template_name = "notifications/list.html"
    title = "我的通知"
    empty = "暂无通知。"
    deferred = True  # the page's keys from the index of the order (``notification_inbox_order``), then its rows

    def narrow(self, qs: QuerySet[Notification]) -> QuerySet[Notification]:
        return services.inbox_order(qs)

    def count(self, queryset: QuerySet[Notification]) -> int | None:
        # an anonymous caller was sent to the login page (``ScopedListView.dispatch``)
        unread, every = services.counted(self.request.user)  # type: ignore[arg-type]
        self.request._rectify_unread_count = unread  # type: ignore[attr-defined]  # the top bar's badge (``unread_of``)
        return every


notification_list = NotificationList.as_view()


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


@login_required
def todo_panel(request: AuthedRequest) -> HttpResponse:
    """待我处理 as the ledger shows it (counts and the first PANEL_LIMIT of each list): a fragment the ledger
    loads after itself (``static/rectify/js/deferred.js``), so that the page does not wait for the lists."""
    lists = todo_lists.todo_for(request.user, todo_lists.PANEL_LIMIT)
    return render(request, "notifications/_todo_panel.html", {"lists": lists, "full": False})

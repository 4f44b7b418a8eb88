"""The caller's own notifications (通知): anyone else's answers 404, as on the page."""

import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.api.access import get_visible, user_of
from rectify.api.pagination import DeferredPageNumberPagination
from rectify.api.schemas import Message
from rectify.notifications import services
from rectify.notifications.models import Notification

router = Router(tags=["通知"])


class NotificationOut(Schema):
    uuid: UUID
    title: str
    body: str
    url: str = Field(..., description="本系统内的链接（网页）")
    created_at: datetime.datetime
    read_at: datetime.datetime | None = Field(None, description="阅读时间；空为未读")


class ReadAllOut(Schema):
    marked: int = Field(..., description="本次标为已读的条数")


class UnreadOut(Schema):
    unread: int = Field(..., description="未读条数")


def _mine(request: HttpRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user_of(request))


class InboxPagination(DeferredPageNumberPagination):
    """The page's keys from the inbox's index, its count from the caller's maintained counts (``services.counted``)."""

    def items_count(self, queryset: QuerySet[Any], request: HttpRequest, **params: Any) -> int:
        unread, every = services.counted(user_of(request))
        return unread if params.get("unread") else every


@router.get("", response={200: list[NotificationOut], 401: Message}, summary="我的通知",
            description="只列出调用者本人的通知，未读的在前；unread=true 只看未读。")
@paginate(InboxPagination, page_size=20, max_page_size=500)
def list_notifications(request: HttpRequest, unread: bool | None = Query(None, description="true：只看未读")) -> QuerySet[Notification]:
    notes = _mine(request)
    if unread:
        notes = notes.filter(read_at__isnull=True)
    return services.inbox_order(notes)


@router.get("/unread-count", response={200: UnreadOut, 401: Message}, summary="未读通知数")
def unread_count(request: HttpRequest) -> dict[str, int]:
    return {"unread": services.unread_count(user_of(request))}


@router.post("/{uuid}/read", response={200: NotificationOut, 401: Message, 403: Message, 404: Message}, summary="标为已读")
def mark_read(request: HttpRequest, uuid: UUID) -> Notification:
    note = get_visible(_mine(request), "通知不存在，或您无权查看", uuid=uuid)
    services.mark_read(note)
    return _mine(request).get(pk=note.pk)


@router.post("/read-all", response={200: ReadAllOut, 401: Message, 403: Message}, summary="全部标为已读")
def read_all(request: HttpRequest) -> dict[str, int]:
    return {"marked": services.mark_all_read(user_of(request))}

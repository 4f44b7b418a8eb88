"""The REST API (django-ninja), mounted at /api/ by ``rectify.urls``.

Every operation requires a logged-in session or a bearer token (``manage.py api_token``);
the schema is at /api/openapi.json and the offline docs at /api/docs.
"""
from django.http import HttpRequest
from ninja import NinjaAPI, Router

from . import errors
from .auth import auth
from .docs import LocalDocs, assets_router
from .routers import acceptance, assignments, dispatch, inspections, notifications, plans, regions, supervision, tasks, units
from .schemas import Me, Message

api = NinjaAPI(
    title="督察整改闭环管理系统 API",
    version="1.0",
    description="督察、整改方案、整改任务台账、分工单位、变更记录、调度报送、督办、验收销号与回头看、通知的接口。数据范围与网页相同：看不到的记录返回 404，能看不能改的返回 403。",
    urls_namespace="api",
    auth=auth,
    docs=LocalDocs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

me_router = Router(tags=["当前用户"])


@me_router.get("", response={200: Me, 401: Message}, summary="当前用户", description="调用者的姓名、单位和角色。")
def me(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.auth  # type: ignore[attr-defined]


api.add_router("/v1/me", me_router)
api.add_router("/v1/regions", regions.router)
api.add_router("/v1/units", units.router)
api.add_router("/v1/inspections", inspections.router)
api.add_router("/v1/plans", plans.router)
api.add_router("/v1/tasks", tasks.router)
api.add_router("/v1/assignments", assignments.router)
api.add_router("/v1/acceptance", acceptance.router)
api.add_router("/v1/dispatch", dispatch.router)
api.add_router("/v1/supervision", supervision.router)
api.add_router("/v1/notifications", notifications.router)
api.add_router("/", assets_router)

"""The REST API (django-ninja), mounted at /api/ by ``rectify.urls``.

Every operation requires a logged-in session or a bearer token (``manage.py api_token``);
the schema is at /api/openapi.json and the offline docs at /api/docs. Each app's router sits beside
the app (``rectify/<app>/api``); this module alone imports them, to mount them (``MOUNTS``).
"""
from types import ModuleType

from django.http import HttpRequest
from ninja import NinjaAPI, Router
from ninja.operation import Operation

import rectify.acceptance.api
import rectify.dispatch.api
import rectify.inspections.api
import rectify.inspections.api.plans
import rectify.notifications.api
import rectify.regions.api
import rectify.regions.api.units
import rectify.supervision.api
import rectify.tasks.api
import rectify.tasks.api.assignments

from . import errors
from .auth import auth
from .docs import LocalDocs, assets_router
from .schemas import Me, Message

# Each app's router, beside the app (``rectify/<app>/api``), mounted under /api/v1/<name>.
MOUNTS: dict[str, ModuleType] = {
    "regions": rectify.regions.api,
    "units": rectify.regions.api.units,
    "inspections": rectify.inspections.api,
    "plans": rectify.inspections.api.plans,
    "tasks": rectify.tasks.api,
    "assignments": rectify.tasks.api.assignments,
    "acceptance": rectify.acceptance.api,
    "dispatch": rectify.dispatch.api,
    "supervision": rectify.supervision.api,
    "notifications": rectify.notifications.api,
}
MOUNT_OF_MODULE = {module.__name__: name for name, module in MOUNTS.items()}


class RectifyApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """``rectify_api_routers_<mount>_<function>``: the ids clients were generated from when the
        routers lived in ``rectify/api/routers/``, kept when they moved beside their apps."""
        mount = MOUNT_OF_MODULE.get(operation.view_func.__module__)
        if mount is None:
            return super().get_openapi_operation_id(operation)
        return f"rectify_api_routers_{mount}_{operation.view_func.__name__}"


api = RectifyApi(
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
for name, module in MOUNTS.items():
    api.add_router(f"/v1/{name}", module.router)
api.add_router("/", assets_router)

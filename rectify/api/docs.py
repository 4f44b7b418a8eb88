"""API docs that work offline: Swagger UI served from the ninja package through this API
(no CDN), plus a plain list of the operations for browsers without JavaScript."""
from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI, Router
from ninja.openapi.docs import DocsBase

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {"swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css", "favicon.svg", "favicon.png"}
METHODS = ("get", "post", "put", "patch", "delete")

assets_router = Router()


@assets_router.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs-asset")
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ASSETS:
        raise Http404("文件不存在")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(open(ASSET_DIR / name, "rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


class LocalDocs(DocsBase):
    settings: dict[str, Any] = {
        "layout": "BaseLayout",
        "deepLinking": True,
        "validatorUrl": None,  # the default badge calls validator.swagger.io
        "docExpansion": "list",
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        openapi_url = self.get_openapi_url(api, kwargs)
        schema = api.get_openapi_schema(path_params=kwargs)
        operations = []
        for path, item in schema.get("paths", {}).items():
            for method in METHODS:
                op = item.get(method)
                if op:
                    operations.append(
                        {"method": method.upper(), "path": path, "summary": op.get("summary", ""), "tag": (op.get("tags") or [""])[0]}
                    )

        def asset(name: str) -> str:
            return reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": name})

        context = {
            "api": api,
            "openapi_url": openapi_url,
            "swagger_settings": json.dumps({**self.settings, "url": openapi_url}, ensure_ascii=False),
            "operations": operations,
            "assets": {n.replace("-", "_").replace(".", "_"): asset(n) for n in ASSETS},
        }
        return render(request, "api/docs.html", context)

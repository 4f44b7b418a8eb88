"""Regions named by code in API requests: shared by every app whose records hang on a region."""
from __future__ import annotations

from typing import Any

from django.http import Http404

from rectify.api.errors import ApiValidationError
from rectify.core.types import AnyUser
from rectify.regions.models import Region


def region_by_code(code: str) -> Region:
    region = Region.objects.select_related("parent").filter(code=code).first()
    if region is None:
        raise Http404(f"区划代码 {code} 不存在")
    return region


def editable_region(user: AnyUser, code: str | None) -> Region | None:
    """The region with ``code`` if the user may put records there."""
    if not code:
        return None
    return Region.objects.editable_by(user).select_related("parent").filter(code=code).first()


def check_region(user: AnyUser, values: dict[str, Any], result: dict[str, Any], errors: ApiValidationError, field: str = "region") -> None:
    """Replace the region code under ``field`` by the region, if the user may put records there."""
    if field in values:
        region = editable_region(user, values[field])
        if region is None:
            errors.add(field, f"区划 {values[field]} 不存在，或不在您的管辖范围内")
        result[field] = region

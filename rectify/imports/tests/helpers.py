from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rectify.core.models import ChangeRecord
from rectify.imports.forms import TaskRowForm
from rectify.imports.models import ImportBatch
from rectify.imports.services import build_preview
from rectify.inspections.models import Inspection, Plan
from rectify.regions.models import Unit
from rectify.tasks.models import Assignment, Task


def ledger_counts() -> dict[str, int]:
    return {
        "plans": Plan.objects.count(), "tasks": Task.objects.count(), "units": Unit.objects.count(),
        "inspections": Inspection.objects.count(), "assignments": Assignment.objects.count(),
        "history": ChangeRecord.objects.count(),
    }


def upload(client: Client, data: bytes, name: str, region: Any = None) -> Any:
    payload: dict[str, Any] = {"file": SimpleUploadedFile(name, data)}
    if region is not None:
        payload["region"] = region.pk
    return client.post(reverse("imports:upload"), payload)


def batch_from(response: Any) -> ImportBatch:
    assert response.status_code == 302, getattr(response, "content", b"")[:3000].decode("utf-8", "replace")
    uuid = response["Location"].rstrip("/").split("/")[-1]
    return ImportBatch.objects.get(uuid=uuid)


def form_data(batch: ImportBatch, action: str = "confirm", **edits: Any) -> dict[str, Any]:
    """What the preview page posts when nothing is changed, with ``edits`` per task: t0={...}."""
    batch.refresh_from_db()
    assert batch.region is not None
    preview = build_preview(batch.parsed or {}, batch.region)
    data: dict[str, Any] = {"action": action}
    for tp in preview.tasks:
        prefix = f"t{tp.index}"
        values = TaskRowForm.data_for(tp.row, prefix, tp.existing.version if tp.existing else None)
        for key, value in (edits.get(prefix) or {}).items():
            if value is None:
                values.pop(f"{prefix}-{key}", None)
            else:
                values[f"{prefix}-{key}"] = value
        data.update(values)
    return data


def confirm(client: Client, batch: ImportBatch, **edits: Any) -> Any:
    return client.post(reverse("imports:preview", args=[batch.uuid]), form_data(batch, **edits))

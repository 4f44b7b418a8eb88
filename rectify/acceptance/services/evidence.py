"""Evidence files of an application or a look-back: checked, stored under random names, removed if the step fails."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rectify.core.files import sha256_of
from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser
from rectify.tasks.models import Task

from ..models import (
    EvidenceFile,
)


def _delete_files(written: Sequence[EvidenceFile]) -> None:
    for evidence in written:
        if evidence.file.name:
            evidence.file.storage.delete(evidence.file.name)


def _save_evidence(make: Callable[..., EvidenceFile], files: Sequence[Any], kinds: Sequence[str], task: Task, user: AuthedUser,
                   written: list[EvidenceFile]) -> None:
    """Store checked uploads under random names (``written`` lists them for cleanup on failure)."""
    for upload, kind in zip(files, kinds, strict=True):
        evidence = make(original_name=upload.name[:255], kind=kind, size=upload.size, sha256=sha256_of(upload))
        evidence.file.save(f"x.{kind}", upload, save=False)
        written.append(evidence)
        evidence.save()
        record_change(evidence, ChangeRecord.Action.CREATE, after={**snapshot(evidence, exclude=("id", "created_at", "updated_at", "file")), "file": evidence.file.name}, reason="上传佐证材料", task_uuid=task.uuid, user=user)

"""Recording changes: one append-only, hash-chained row per changed object.

Each row joins one chain (``chain_key_for``): a task's chain holds the changes of the task and of
everything under it, a record about no task joins the chain of its object type. Appending locks
only that chain's head (``AuditChain``), so writers on different tasks do not wait for each other.
``seal`` writes a ``RootDigest`` over every chain head; ``verify_chain`` walks every chain and the
seals (``rectify audit verify``).
"""
from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .context import current_actor, current_request_id
from .models import LEGACY_CHAIN, AuditChain, ChangeRecord, PublicModel, RootDigest, RootDigestEntry
from .types import AuthedUser, signed_in

# Who a change row names when no person acted (automatic notices, scheduled jobs, unattended imports).
SYSTEM_ACTOR = "系统"


def plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, models.Model):
        return str(getattr(value, "uuid", value.pk))
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, exclude: Iterable[str] = ("id", "created_at", "updated_at")) -> dict[str, Any]:
    """The object's own fields as JSON; a foreign key as the related object's text."""
    data: dict[str, Any] = {}
    skip = set(exclude)
    for field in obj._meta.concrete_fields:
        if field.name in skip:
            continue
        if isinstance(field, models.ForeignKey):
            related = getattr(obj, field.name)
            data[field.name] = str(related) if related is not None else None
        else:
            data[field.name] = plain(getattr(obj, field.attname))
    extra = getattr(obj, "history_extra", None)
    if callable(extra):
        data.update(plain(extra()))
    return data


def chain_key_for(obj: models.Model, task_uuid: uuid.UUID | None) -> str:
    """The chain a change joins: its task's (``task:<uuid>``), else its object type's (``type:<app.model>``)."""
    if task_uuid is not None:
        return f"task:{task_uuid}"
    return f"type:{obj._meta.label_lower}"


def _chained(row: ChangeRecord, key: str, seq: int, previous: str) -> ChangeRecord:
    """Place ``row`` at ``seq`` in chain ``key`` after ``previous`` and set its digest."""
    row.chain_key, row.seq, row.previous_digest = key, seq, previous
    row.digest = row.compute_digest()
    return row


def _locked_head(key: str) -> AuditChain:
    """The head of chain ``key``, locked until the transaction ends (created at the chain's first row)."""
    head = AuditChain.objects.select_for_update().filter(key=key).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            return AuditChain.objects.create(key=key)  # a new row stays locked by this transaction
    except IntegrityError:  # another writer created it first: wait for its turn
        return AuditChain.objects.select_for_update().get(key=key)


def record_change(
    obj: PublicModel,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    task_uuid: uuid.UUID | None = None,
    user: AuthedUser | None = None,
) -> ChangeRecord:
    """Append a change row for ``obj``; must run inside the transaction that made the change.

    Who acted: ``user``, else the actor of the request, job or command (``core.context``); with
    neither (an automatic notice, a scheduled job, an import without a user) the row says 系统.
    Only the head of the row's chain is locked (until that transaction ends)."""
    given = user if user is not None else current_actor()
    actor = given if signed_in(given) else None
    with transaction.atomic():
        key = chain_key_for(obj, task_uuid)
        head = _locked_head(key)
        row = _chained(ChangeRecord(
            user=actor,
            user_name=(actor.get_full_name() or actor.get_username()) if actor is not None else SYSTEM_ACTOR,
            request_id=current_request_id(),
            action=action,
            object_type=obj._meta.label_lower,
            object_uuid=obj.uuid,
            object_repr=str(obj)[:200],
            task_uuid=task_uuid,
            before=before,
            after=after,
            reason=reason[:500],
        ), key, head.seq + 1, head.digest)
        row.save()
        AuditChain.objects.filter(pk=head.pk).update(seq=row.seq, digest=row.digest)
    return row


class BulkHistory:
    """Appends many change rows in bulk, chained exactly as ``record_change`` chains them.

    For one writer that owns the database (``rectify generate``): heads are read at ``start`` and
    written at ``finish``, without locks. Had another writer appended to one of the chains in
    between, the unique position ``(chain_key, seq)`` refuses the forked row."""

    def __init__(self, batch_size: int = 5000, user_name: str = SYSTEM_ACTOR) -> None:
        self.batch_size = batch_size
        self.user_name = user_name
        self.request_id = uuid.uuid4().hex
        self.pending: list[ChangeRecord] = []
        self.written = 0
        self.heads: dict[str, tuple[int, str]] = {}
        self.started: dict[str, tuple[int, str]] = {}

    def start(self) -> None:
        self.heads = {key: (seq, digest) for key, seq, digest in AuditChain.objects.values_list("key", "seq", "digest")}
        self.started = dict(self.heads)

    def append(self, obj: Any, action: str, *, time: datetime.datetime, before: dict[str, Any] | None = None,
               after: dict[str, Any] | None = None, reason: str = "", task_uuid: uuid.UUID | None = None) -> ChangeRecord:
        key = chain_key_for(obj, task_uuid)
        seq, previous = self.heads.get(key, (0, ""))
        row = _chained(ChangeRecord(
            time=time, user=None, user_name=self.user_name, request_id=self.request_id, action=action,
            object_type=obj._meta.label_lower, object_uuid=obj.uuid, object_repr=str(obj)[:200], task_uuid=task_uuid,
            before=before, after=after, reason=reason[:500],
        ), key, seq + 1, previous)
        self.heads[key] = (seq + 1, row.digest)
        self.pending.append(row)
        if len(self.pending) >= self.batch_size:
            self.flush()
        return row

    def flush(self) -> None:
        if self.pending:
            ChangeRecord.objects.bulk_create(self.pending, batch_size=self.batch_size)
            self.written += len(self.pending)
            self.pending = []

    def finish(self) -> None:
        self.flush()
        moved = {key: head for key, head in self.heads.items() if self.started.get(key) != head}
        with transaction.atomic():
            known = [key for key in moved if key in self.started]
            existing = [chain for i in range(0, len(known), 1000) for chain in AuditChain.objects.filter(key__in=known[i:i + 1000])]
            for chain in existing:
                chain.seq, chain.digest = moved.pop(chain.key)
            AuditChain.objects.bulk_update(existing, ["seq", "digest"], batch_size=1000)
            AuditChain.objects.bulk_create([AuditChain(key=key, seq=seq, digest=digest) for key, (seq, digest) in moved.items()],
                                           batch_size=self.batch_size)
        self.started = dict(self.heads)


# ---------------------------------------------------------------- seals over all chain heads

def _sealed_heads() -> dict[str, tuple[int, str]]:
    """Each chain's length and digest as the latest seal that recorded it saw them."""
    latest = RootDigestEntry.objects.values("chain_key").annotate(last=Max("id")).values("last")
    return {key: (seq, digest) for key, seq, digest in
            RootDigestEntry.objects.filter(id__in=latest).values_list("chain_key", "seq", "digest")}


def seal(now: datetime.datetime | None = None) -> RootDigest | None:
    """Write a ``RootDigest`` over every chain head (storing the heads that moved since the last
    seal); None when nothing moved or another process sealed at the same moment."""
    with transaction.atomic():
        last = RootDigest.objects.order_by("-id").values_list("digest", flat=True).first()
        sealed = _sealed_heads()
        heads = sorted(AuditChain.objects.values_list("key", "seq", "digest"))
        moved = [(key, seq, digest) for key, seq, digest in heads if sealed.get(key) != (seq, digest)]
        if last is not None and not moved:
            return None
        root = RootDigest(time=now or timezone.now(), previous=last or "", chains=len(heads),
                          records=sum(seq for _key, seq, _digest in heads))
        root.digest = root.compute_digest(moved)
        try:
            with transaction.atomic():
                root.save()  # ``previous`` is unique: a second seal after the same one fails here
        except IntegrityError:
            return None
        RootDigestEntry.objects.bulk_create(
            [RootDigestEntry(root=root, chain_key=key, seq=seq, digest=digest) for key, seq, digest in moved], batch_size=5000
        )
    return root


# ---------------------------------------------------------------- verification

def chain_label(key: str) -> str:
    """A chain as the audit report names it."""
    if key == LEGACY_CHAIN:
        return "旧的全局审计链"
    kind, _, name = key.partition(":")
    return f"任务 {name} 的审计链" if kind == "task" else f"{name} 类记录的审计链"


def _verify_seals(problems: list[str]) -> dict[str, dict[int, str]]:
    """Check the seals' own chain; return every (length → digest) a seal recorded, per chain."""
    positions: dict[str, dict[int, str]] = {}
    state: dict[str, tuple[int, str]] = {}
    previous = ""
    entries: dict[int, list[tuple[str, int, str]]] = {}
    for root_id, key, seq, digest in RootDigestEntry.objects.order_by("root_id", "chain_key").values_list(
            "root_id", "chain_key", "seq", "digest").iterator(chunk_size=5000):
        entries.setdefault(root_id, []).append((key, seq, digest))
    for number, root in enumerate(RootDigest.objects.order_by("id"), start=1):
        mine = entries.get(root.pk, [])
        if root.previous != previous:
            problems.append(f"第 {number} 个根摘要之前的根摘要被删除或改动（根摘要链断开）")
        if root.compute_digest(mine) != root.digest:
            problems.append(f"第 {number} 个根摘要的内容被改动（摘要不符）")
        for key, seq, digest in mine:
            state[key] = (seq, digest)
            positions.setdefault(key, {})[seq] = digest
        if len(state) != root.chains or sum(seq for seq, _ in state.values()) != root.records:
            problems.append(f"第 {number} 个根摘要记录的链头与回放结果不符（根摘要条目被删除或改动）")
        previous = root.digest
    return positions


class _ChainWalk:
    """One chain being walked in order: its position, last digest and the problems found."""

    def __init__(self, key: str, sealed: dict[int, str], problems: list[str]) -> None:
        self.key, self.sealed, self.problems = key, sealed, problems
        self.label = chain_label(key)
        self.position, self.previous = 0, ""

    def check(self, row: ChangeRecord) -> None:
        label = self.label
        self.position += 1
        if row.previous_digest != self.previous:
            self.problems.append(f"{label}：第 {row.id} 条记录之前的记录被删除或改动（链断开）")
        elif self.key != LEGACY_CHAIN and row.seq != self.position:
            self.problems.append(f"{label}：第 {row.id} 条记录的位置不对（链内序号 {row.seq}，应为 {self.position}）")
        if row.compute_digest() != row.digest:
            self.problems.append(f"{label}：第 {row.id} 条记录的内容被改动（摘要不符）")
        if row.seq is not None:
            self.position = row.seq
        expected = self.sealed.get(self.position)
        if expected is not None and expected != row.digest:
            self.problems.append(f"{label}：第 {row.id} 条记录与根摘要记录的不符（记录被替换）")
        self.previous = row.digest

    def end(self, head: tuple[int, str] | None) -> None:
        if head is None:
            self.problems.append(f"{self.label}：链头缺失（链头被删除）")
        elif head != (self.position, self.previous):
            self.problems.append(f"{self.label}：最后的记录被删除（链头摘要不符）")
        longest = max(self.sealed, default=0)
        if longest > self.position:
            self.problems.append(f"{self.label}：根摘要记录了 {longest} 条，现只有 {self.position} 条（链尾的记录被删除）")


def verify_chain() -> tuple[int, list[str]]:
    """Walk every chain in order and the seals; return the rows checked and a description of each break."""
    problems: list[str] = []
    sealed = _verify_seals(problems)
    heads = {key: (seq, digest) for key, seq, digest in AuditChain.objects.values_list("key", "seq", "digest")}
    seen: set[str] = set()
    count = 0
    walk: _ChainWalk | None = None
    for row in ChangeRecord.objects.order_by("chain_key", "seq", "id").iterator(chunk_size=2000):
        count += 1
        if walk is None or row.chain_key != walk.key:
            if walk is not None:
                walk.end(heads.get(walk.key))
            walk = _ChainWalk(row.chain_key, sealed.get(row.chain_key, {}), problems)
            seen.add(walk.key)
        walk.check(row)
    if walk is not None:
        walk.end(heads.get(walk.key))
    for missing in sorted((set(heads) | set(sealed)) - seen):
        if heads.get(missing, (0, ""))[0] or missing in sealed:
            problems.append(f"{chain_label(missing)}：整条链的记录都被删除")
    return count, problems

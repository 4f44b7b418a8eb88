"""Recording changes: one append-only, hash-chained row per changed object.

Each row joins one chain (``chain_key_for``): a task's chain holds the changes of the task and of
everything under it, a record about no task joins the chain of its object type. Appending locks
only that chain's head (``AuditChain``), so writers on different tasks do not wait for each other.
``seal`` writes a ``RootDigest`` over every chain head; ``verify_chain`` walks every chain and the
seals (``rectify audit verify``).
"""
from __future__ import annotations

import contextlib
import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from typing import Any, ClassVar, Protocol

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Max
from django.db.models.fields.files import FieldFile
from django.db.models.options import Options
from django.utils import timezone

from .context import current_actor, current_request_id
from .models import LEGACY_CHAIN, AuditChain, ChangeRecord, RootDigest, RootDigestEntry, change_digest
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


class Recorded(Protocol):
    """What a change row is about: a model with a public id (``PublicModel``'s, or one derived from a natural key
    that never changes, as a region's from its code)."""

    _meta: ClassVar[Options[Any]]

    @property
    def uuid(self) -> uuid.UUID: ...


def chain_key_for(obj: Recorded, task_uuid: uuid.UUID | None) -> str:
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
    obj: Recorded,
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


class JsonText(str):
    """A JSON value already encoded as ``ChangeRecord.compute_digest`` encodes it (``json_text``)."""


def json_text(value: Any) -> JsonText:
    """``value`` in JSON exactly as the digest payload holds it: sorted keys, no ASCII escaping, ``str`` for the rest."""
    return JsonText(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def _scalar(value: Any) -> str:
    """One value as ``json.dumps(..., ensure_ascii=False, sort_keys=True, default=str)`` writes it, the common
    types without building an encoder (text already encoded, ``JsonText``, is taken as it is)."""
    kind = type(value)
    if kind is JsonText:
        return value  # type: ignore[no-any-return]
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    return json_text(value)


class JsonParts:
    """A dict (a snapshot) encoded once, field by field, for many rows that hold it with a few fields changed:
    ``text(changes)`` is ``json_text(data | changes)``, byte for byte, encoding only the changed values (the
    text between them is kept per set of changed keys)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.parts = {key: _scalar(value) for key, value in data.items()}
        self.order = sorted(self.parts)
        self.pieces: dict[tuple[str, ...], list[str]] = {}

    def _pieces(self, changed: tuple[str, ...]) -> list[str]:
        """The literal text around the changed values: ``pieces[0] + v1 + pieces[1] + … + pieces[-1]``."""
        pieces, literal, slots = [], "{", set(changed)
        for index, key in enumerate(self.order):
            literal += ("" if index == 0 else ", ") + encode_basestring(key) + ": "
            if key in slots:
                pieces.append(literal)
                literal = ""
            else:
                literal += self.parts[key]
        pieces.append(literal + "}")
        self.pieces[changed] = pieces
        return pieces

    def text(self, changes: dict[str, Any] | None = None) -> JsonText:
        if not changes:
            changes = {}
        changed = tuple(sorted(changes))
        pieces = self.pieces.get(changed)
        if pieces is None:
            if not changes.keys() <= self.parts.keys():
                return json_text(self.data | changes)
            pieces = self._pieces(changed)
        out = [pieces[0]]
        for key, piece in zip(changed, pieces[1:], strict=True):
            out.append(_scalar(changes[key]))
            out.append(piece)
        return JsonText("".join(out))


# The columns of a bulk history row, in this order (``before`` and ``after`` as JSON text or None).
ROW_FIELDS = ("time", "user_id", "user_name", "request_id", "action", "object_type", "object_uuid", "object_repr",
              "task_uuid", "before", "after", "reason", "chain_key", "seq", "previous_digest", "digest")


def row_digest(chain_key: str, seq: int, previous: str, time: datetime.datetime | None, user_id: int | None,
               request_id: str, action: str, object_type: str, object_uuid: uuid.UUID | str,
               task_uuid: uuid.UUID | str | None, before: JsonText | None, after: JsonText | None, reason: str) -> str:
    """``ChangeRecord.compute_digest`` of a chained row with these values, byte for byte, from JSON already
    encoded (the same text goes into the row's columns, so each value is encoded once)."""
    enc = encode_basestring
    payload = (f"[{enc(chain_key)}, {seq}, {enc(previous)}, {enc(time.isoformat()) if time else 'null'}, "
               f"{_scalar(user_id)}, {enc(request_id)}, {enc(action)}, {enc(object_type)}, {enc(str(object_uuid))}, "
               f"{enc(str(task_uuid)) if task_uuid else 'null'}, {_scalar(before)}, {_scalar(after)}, {enc(reason)}]")
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class BulkHistory:
    """Appends many change rows in bulk, chained exactly as ``record_change`` chains them.

    For one writer that owns the database (``rectify generate``): heads are read at ``start`` and
    written at ``finish``, without locks. Had another writer appended to one of the chains in
    between, the unique position ``(chain_key, seq)`` refuses the forked row. Rows wait in
    ``pending`` as tuples in ``ROW_FIELDS`` order (no model instances: the digest is computed by
    ``row_digest`` from the JSON text that is stored); ``flush`` writes them with ``bulk_create``
    and may be replaced by a faster writer (the generator's COPY)."""

    def __init__(self, batch_size: int = 5000, user_name: str = SYSTEM_ACTOR) -> None:
        self.batch_size = batch_size
        self.user_name = user_name
        self.request_id = uuid.uuid4().hex
        self.pending: list[tuple[Any, ...]] = []
        self.written = 0
        self.heads: dict[str, tuple[int, str]] = {}
        self.started: dict[str, tuple[int, str]] = {}

    def start(self) -> None:
        self.heads = {key: (seq, digest) for key, seq, digest in AuditChain.objects.values_list("key", "seq", "digest")}
        self.started = dict(self.heads)

    def append(self, obj: Any, action: str, *, time: datetime.datetime, before: dict[str, Any] | JsonText | None = None,
               after: dict[str, Any] | JsonText | None = None, reason: str = "", task_uuid: uuid.UUID | None = None,
               user_id: int | None = None, user_name: str | None = None) -> str:
        """Chain one row about ``obj``; returns its digest."""
        return self.append_row(obj._meta.label_lower, obj.uuid, str(obj), action, time=time, before=before, after=after,
                               reason=reason, task_uuid=task_uuid, user_id=user_id, user_name=user_name)

    def append_row(self, object_type: str, object_uuid: uuid.UUID | str, object_repr: str, action: str, *,
                   time: datetime.datetime, before: dict[str, Any] | JsonText | None = None,
                   after: dict[str, Any] | JsonText | None = None, reason: str = "",
                   task_uuid: uuid.UUID | str | None = None, user_id: int | None = None,
                   user_name: str | None = None) -> str:
        """``append`` for an object given by its type, public id and text (no model instance needed); a public id
        may be given as its text (the generator keeps each task's). The row is the system's (``user_name``) unless
        a user is given (``user_id`` and the name ``record_change`` writes for them)."""
        key = f"task:{task_uuid}" if task_uuid is not None else f"type:{object_type}"
        seq, previous = self.heads.get(key, (0, ""))
        seq += 1
        before_text = before if before is None or type(before) is JsonText else json_text(before)
        after_text = after if after is None or type(after) is JsonText else json_text(after)
        reason = reason[:500]
        digest = row_digest(key, seq, previous, time, user_id, self.request_id, action, object_type, object_uuid, task_uuid,
                            before_text, after_text, reason)
        self.heads[key] = (seq, digest)
        self.pending.append((time, user_id, user_name or self.user_name, self.request_id, action, object_type, object_uuid,
                             object_repr[:200], task_uuid, before_text, after_text, reason, key, seq, previous, digest))
        if len(self.pending) >= self.batch_size:
            self.flush()
        return digest

    def flush(self) -> None:
        if self.pending:
            rows = [ChangeRecord(**dict(zip(ROW_FIELDS, row, strict=True))) for row in self.pending]
            for record in rows:
                record.before = None if record.before is None else json.loads(record.before)
                record.after = None if record.after is None else json.loads(record.after)
            ChangeRecord.objects.bulk_create(rows, batch_size=self.batch_size)
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

    def check(self, row: Any) -> None:
        label = self.label
        self.position += 1
        if row.previous_digest != self.previous:
            self.problems.append(f"{label}：第 {row.id} 条记录之前的记录被删除或改动（链断开）")
        elif self.key != LEGACY_CHAIN and row.seq != self.position:
            self.problems.append(f"{label}：第 {row.id} 条记录的位置不对（链内序号 {row.seq}，应为 {self.position}）")
        if change_digest(row) != row.digest:
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


CHAINS_PER_READ = 2000
"""How many chains ``verify_chain`` reads per query on PostgreSQL (about 70,000 rows of generated data)."""


@contextlib.contextmanager
def _one_snapshot() -> Iterator[None]:
    """On PostgreSQL, one read-only snapshot for the whole walk: the heads, the seals and every range of
    rows read as of one moment, so a row appended meanwhile is not mistaken for a broken chain. (SQLite
    reads the rows in one statement, one snapshot, and its transactions would block the writers.)"""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


WALKED_FIELDS = ("id", "chain_key", "seq", "previous_digest", "digest", "time", "user_id", "request_id", "action",
                 "object_type", "object_uuid", "task_uuid", "before", "after", "reason")


def _chain_ranges(chains_per_read: int) -> Iterator[models.Q]:
    """Ranges of chain keys of about ``chains_per_read`` chains each, bounded by the heads' keys (an index
    walk of the small heads table) and covering every key between and beyond them, so a row whose chain
    lost its head is still read."""
    heads = AuditChain.objects.order_by("key").values_list("key", flat=True)
    last: str | None = None
    while True:
        bounds = heads if last is None else heads.filter(key__gt=last)
        bound = bounds[chains_per_read - 1:chains_per_read].first()
        below = models.Q() if last is None else models.Q(chain_key__gt=last)
        if bound is None:
            yield below
            return
        yield below & models.Q(chain_key__lte=bound)
        last = bound


def _rows_in_chain_order(chains_per_read: int) -> Iterator[Any]:
    """Every history row by chain, position and id, as plain rows (``change_digest`` reads them). On
    PostgreSQL a range of chains at a time: one cursor over the whole table made it copy 10 million rows
    before returning the first (Django declares a ``WITH HOLD`` cursor outside a transaction), and a
    pooled connection without server-side cursors would fetch them all into memory."""
    rows = ChangeRecord.objects.order_by("chain_key", "seq", "id").values_list(*WALKED_FIELDS, named=True)
    if connection.vendor != "postgresql":
        yield from rows.iterator(chunk_size=2000)
        return
    for keys in _chain_ranges(chains_per_read):
        yield from rows.filter(keys).iterator(chunk_size=2000)


def verify_chain(chains_per_read: int = CHAINS_PER_READ) -> tuple[int, list[str]]:
    """Walk every chain in order and the seals; return the rows checked and a description of each break."""
    with _one_snapshot():
        return _verify_chain(chains_per_read)


def _verify_chain(chains_per_read: int) -> tuple[int, list[str]]:
    problems: list[str] = []
    sealed = _verify_seals(problems)
    heads = {key: (seq, digest) for key, seq, digest in AuditChain.objects.values_list("key", "seq", "digest")}
    seen: set[str] = set()
    count = 0
    walk: _ChainWalk | None = None
    for row in _rows_in_chain_order(chains_per_read):
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

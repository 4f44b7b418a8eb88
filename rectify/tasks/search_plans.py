"""How a ledger search reads its matches, chosen from PostgreSQL's estimates: through the keyword indexes
(``rectify.tasks.search``: character pairs, single characters) or by checking the text of each task of the scope as
it is read (``scan``), and how many of them its counts read over a large scope.

The index reads, for each pair of the words, its whole list of tasks in the country (~0.1 µs an entry), then reads
the scope's tasks holding them all and checks their text (unless each word is its own pair: ``search.exact_by_pair``);
the scan reads and checks each task of the scope (~4 µs a task at 300,000 tasks): ``SCAN_ROW_COST_IN_ENTRIES`` is
that ratio, ``READ_ROW_COST_IN_ENTRIES`` that of reading a row without checking its text. A city's search for
生态环境 read 230,000 entries of the index to keep its few hundred tasks, where checking its 1,000 tasks' text costs
5 ms; a county's for 黑臭水体 read 18,000 candidates that PostgreSQL expected to be 73 (it multiplies the pairs'
frequencies as if they were independent).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from rectify.accounts.scope import subtree_paths
from rectify.core.estimates import estimated_table_rows, planned_rows, planned_statement_rows
from rectify.core.params import SearchTooLong, search_terms
from rectify.core.types import AnyUser, AuthedRequest

from .counts import LedgerCounts, tasks_in_scope
from .filters import searched_text, task_search_q
from .models import Task, overdue_q
from .search import CHARS_INDEX_NAME as CHARS_INDEX
from .search import INDEX_NAME as GRAMS_INDEX
from .search import exact_by_pair
from .states import TaskState

SCAN_ROW_COST_IN_ENTRIES = 40
READ_ROW_COST_IN_ENTRIES = 10


def expected_matches(text: str, tasks: QuerySet[Task, Any]) -> int | None:
    """How many tasks of ``tasks`` (not yet searched) hold every word of ``text``: PostgreSQL's estimate of ``tasks``
    × the words' share (``word_share``); None on SQLite. Without the keyword indexes' statistics, PostgreSQL's own
    estimate of the pair condition (a superset of the matches)."""
    share = word_share(text)
    if share is None:
        try:
            return planned_rows(tasks.filter(task_search_q(text, words="pairs")))
        except SearchTooLong:  # the filter form says so
            return None
    rows = planned_rows(tasks)
    return None if rows is None else round(rows * share)


# PostgreSQL's share of an array element outside its statistics' most common ones, at most (``DEFAULT_CONTAIN_SEL``).
UNCOMMON_ELEMENT_SHARE = 0.005


class IndexStatistics(NamedTuple):
    """The statistics of a keyword index's expression (``pg_stats``): the share of tasks holding each of its most common
    elements (character pairs, or characters), and the least of those shares."""

    shares: dict[str, float]
    least: float


_STATISTICS_SQL = (
    "SELECT tablename, most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats"
    " WHERE schemaname = current_schema() AND tablename IN (%s, %s)"
)
_kept_statistics: dict[str, tuple[float, dict[str, IndexStatistics]]] = {}


def keyword_statistics() -> dict[str, IndexStatistics]:
    """The keyword indexes' statistics by index name (none before they are gathered, and on SQLite), read from
    ``pg_stats`` (~3 ms: the view reads every column's statistics) at most once per
    ``RECTIFY_SEARCH_STATISTICS_SECONDS`` per process: they change only when the table is analysed."""
    alias = Task.objects.db
    kept = _kept_statistics.get(alias)
    if kept is not None and time.monotonic() - kept[0] < settings.RECTIFY_SEARCH_STATISTICS_SECONDS:
        return kept[1]
    found: dict[str, IndexStatistics] = {}
    if connections[alias].vendor == "postgresql":
        with connections[alias].cursor() as cursor:
            cursor.execute(_STATISTICS_SQL, [GRAMS_INDEX, CHARS_INDEX])
            for index, elements, shares in cursor.fetchall():
                if elements and shares and len(shares) > len(elements):  # the least share follows the elements'
                    found[index] = IndexStatistics(dict(zip(elements, map(float, shares), strict=False)), float(shares[len(elements)]))
    _kept_statistics[alias] = (time.monotonic(), found)
    return found


def word_share(text: str) -> float | None:
    """The share of tasks holding every word of ``text``, from the keyword indexes' statistics (``keyword_statistics``):
    a word's share is its rarest pair's (a one-character word: its character's), a pair outside the most common ones
    taken at half the least common's, at most ``UNCOMMON_ELEMENT_SHARE``, as PostgreSQL takes it; the words' shares
    multiplied. A word's pairs lie together in the tasks that hold it, where PostgreSQL, multiplying their shares as if
    they were independent, expected 71 of the 18,608 tasks of 300,000 holding 黑臭水体 and sorted them all for the
    administrator's page (~100 ms) instead of walking the plan order. None on SQLite, for a search refused as too long,
    and before the statistics are gathered."""
    try:
        words = search_terms(text)
    except SearchTooLong:
        return None
    statistics = keyword_statistics() if words else {}
    share = 1.0
    for word in words:
        upper = word.upper()
        index = statistics.get(CHARS_INDEX if len(upper) == 1 else GRAMS_INDEX)
        if index is None:
            return None
        grams = {upper} if len(upper) == 1 else {upper[i:i + 2] for i in range(len(upper) - 1)}
        share *= min(index.shares.get(gram, min(index.least / 2, UNCOMMON_ELEMENT_SHARE)) for gram in grams)
    return share if words else None


def index_entries(text: str) -> int | None:
    """PostgreSQL's estimate of the tasks holding any character pair of ``text``'s words (a one-character word: its
    character): the entries the indexes read for them (None on SQLite, and for a search refused as too long)."""
    try:
        words = search_terms(text)
    except SearchTooLong:  # the filter form says so
        return None
    if not words or connections[Task.objects.db].vendor != "postgresql":
        return None
    pairs, chars = [w for w in words if len(w) >= 2], [w for w in words if len(w) == 1]
    held = []
    if pairs:
        held.append("rectify_text_grams(search_text) && (" + " || ".join(["rectify_word_grams(%s)"] * len(pairs)) + ")")
    if chars:
        held.append("rectify_text_chars(search_text) && (" + " || ".join(["rectify_text_chars(%s)"] * len(chars)) + ")")
    sql = f"SELECT 1 FROM {Task._meta.db_table} WHERE " + " OR ".join(held)  # noqa: S608 - the code's own names, values bound
    return planned_statement_rows(Task.objects.db, sql, [*pairs, *chars])


def scan_is_cheaper(rows_scanned: float, entries: int | None, candidates: float = 0, checked: bool = False) -> bool:
    """Whether checking ``rows_scanned`` rows' text costs less than reading ``entries`` entries of the index and then
    the ``candidates`` rows they give (each one's text ``checked`` too, when a word is not its own pair)."""
    if entries is None:
        return False
    index_cost = entries + candidates * (SCAN_ROW_COST_IN_ENTRIES if checked else READ_ROW_COST_IN_ENTRIES)
    return rows_scanned * SCAN_ROW_COST_IN_ENTRIES < index_cost


def checks_text(text: str) -> bool:
    """Whether the index path checks each candidate's text (a word that is not its own pair): only then does its
    statement hold a ``LIKE``, whose selectivity PostgreSQL guesses."""
    try:
        return any(len(word) >= 2 and not exact_by_pair(word) for word in search_terms(text))
    except SearchTooLong:
        return False


def scope_size(request: HttpRequest, user: AnyUser | None = None) -> int | None:
    """How many tasks the caller (``user``, else the request's) sees, from the maintained counts
    (``counts.tasks_in_scope``: None for a scope that is not whole region subtrees), once per request; the whole
    table's, PostgreSQL's estimate of it (summing the administrator's 20,000 counter rows cost ~2 ms of each filtered
    page, for choices that need only its magnitude)."""
    if not hasattr(request, "_rectify_scope_size"):
        who = user or request.user
        estimate = estimated_table_rows(Task) if subtree_paths(who) == [""] else None
        request._rectify_scope_size = (  # type: ignore[attr-defined]
            round(estimate) if estimate is not None else tasks_in_scope(who))
    return request._rectify_scope_size  # type: ignore[attr-defined,no-any-return]


def search_words(request: AuthedRequest, narrowed: Callable[[], int | None] | None = None) -> str:
    """How a ledger page's search words are looked up (``words_for``); ``narrowed``: the tasks its other filters leave
    (PostgreSQL's estimate), when it has any."""
    return words_for(request.user, searched_text(request.GET), request, narrowed)


def words_for(user: AnyUser, text: str | None, request: HttpRequest, narrowed: Callable[[], int | None] | None = None) -> str:
    """How ``user``'s search for ``text`` looks its words up (``filters.task_search_q``): ``scan`` when checking
    every task of the caller's scope — or of the tasks other filters leave (``narrowed``) — costs less than the index's
    entries and candidates for the words, else ``index``. The whole ledger (the administrator) is never scanned for a
    page: ``paging.walk_window`` walks a window of it for a common word. Chosen once per request (the page and its
    counts ask alike)."""
    text = (text or "").strip()
    chosen: dict[tuple[int | None, str], str] = request.__dict__.setdefault("_rectify_search_words", {})
    key = (user.pk, text)
    if key not in chosen:
        chosen[key] = _words_for(user, text, request, narrowed)
    return chosen[key]


def _words_for(user: AnyUser, text: str, request: HttpRequest, narrowed: Callable[[], int | None] | None) -> str:
    if not text or connections[Task.objects.db].vendor != "postgresql":
        return "index"
    in_scope = narrowed() if narrowed is not None else None
    if in_scope is None:
        if subtree_paths(user) == [""]:
            return "index"
        in_scope = scope_size(request, user)
    if in_scope is None:  # a unit role's tasks: PostgreSQL's estimate
        in_scope = planned_rows(Task.objects.visible_to(user))
    if in_scope is None:
        return "index"
    # A small scope is scanned whatever the estimate: a pair outside the statistics' most common ones is estimated
    # at a fraction of its tasks (黑臭水体's pairs: 4,478 expected, 18,233 read).
    if in_scope <= settings.LEDGER_SEARCH_SCAN_ROWS:
        return "scan"
    table_rows = estimated_table_rows(Task) or in_scope
    candidates = (expected_matches(text, Task.objects.all()) or 0) * min(in_scope / max(table_rows, 1), 1)
    return "scan" if scan_is_cheaper(in_scope, index_entries(text), candidates, checks_text(text)) else "index"


def limited_search_counts(matches_by: Callable[[str | None], QuerySet[Task]], text: str, in_scope: int) -> LedgerCounts:
    """The counts of a search over a large scope from at most ``LEDGER_SEARCH_COUNT_LIMIT`` matches and one more: exact
    when there are no more, else each left uncounted (``LedgerCounts.more_than``). Counting every match of a common
    word reads each one (整改: 145,012 of 300,000 tasks, 370 ms). The matches (``matches_by(words)``, the lookup of
    ``filters.task_search_q``) are read through the pair index or by checking each row's text as the table is read
    (about limit × ``in_scope`` / the matches expected rows to find them), whichever costs less: 24 → 11 ms for 整改;
    9 ms for 污水 through the index."""
    expected = expected_matches(text, matches_by(None))
    limit = settings.LEDGER_SEARCH_COUNT_LIMIT
    rows_scanned = (limit + 1) * in_scope / max(expected, 1) if expected is not None else float(in_scope)
    scanned = scan_is_cheaper(min(rows_scanned, in_scope), index_entries(text), min(expected or 0, limit + 1), checks_text(text))
    matches = matches_by("scan" if scanned else "index")
    late = ExpressionWrapper(overdue_q(timezone.localdate()), output_field=BooleanField())
    rows = list(matches.order_by().annotate(late=late).values_list("state", "late", "needs_completion")[:limit + 1])
    if len(rows) > limit:
        return LedgerCounts([{"value": s.value, "label": s.label, "count": None} for s in TaskState], None, None, limit)
    counts: dict[str, int] = {}
    for state, _, _ in rows:
        counts[state] = counts.get(state, 0) + 1
    return LedgerCounts([{"value": s.value, "label": s.label, "count": counts.get(s.value, 0)} for s in TaskState],
                        sum(1 for row in rows if row[1]), sum(1 for row in rows if row[2]))

"""The ledger's keyword search and its PostgreSQL index.

pg_trgm does index Chinese under the databases' C.UTF-8 locale (``show_trgm('污水处理厂')`` gives six
trigrams), but a ``LIKE '%污水%'`` pattern of two characters yields no trigram, so a trigram index
would be read whole for the commonest Chinese search, a two-character word. The index here holds
instead every pair of adjacent characters of ``search_text`` (upper-cased, no whitespace), the way
pg_bigm does (not packaged here): a word of two or more characters is looked up by its pairs, and the
``LIKE`` stays as the exact check — except for a word of two letters, which is its own pair
(``exact_by_pair``). A one-character word is the plain ``LIKE``: a common character
matches a large share of the ledger, where reading the ledger in page order finds a page sooner than
an index would (measured: 0.4 ms against 96 ms at 30,000 tasks) — but a rare one is in few tasks, and the plain
``LIKE`` read all 300,000 to find them (~700 ms for a character in none): a second index holds each task's single
characters (``task_search_chars``, migration tasks/0020), through which a one-character word is looked up exactly,
and whose statistics tell a common character from a rare one (``paging.walk_window`` walks for the common). On
SQLite the lookup is the plain ``icontains`` (a ``LIKE`` scan of every task in scope).

The pair function is declared costly (``COST``, migration tasks/0019: ~170 µs a call on a task's text): with the
default cost PostgreSQL took it for cheap and, for a word in half the tasks and a few rows wanted (a ``LIMIT``), read
the table computing every row's pairs instead of reading the index (775 ms for 2,001 rows of 整改 at 300,000 tasks).
"""
from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.lookups import Contains, IContains, Lookup

from rectify.core.params import caseless

INDEX_NAME = "task_search_grams"
CHARS_INDEX_NAME = "task_search_chars"

# The second index holds each task's single characters (upper-cased, no whitespace), once each, sorted: function
# ``rectify_text_chars`` and index ``task_search_chars``, created by migration tasks/0020. PostgreSQL's ``upper`` maps one
# character to one, so a text holds a character exactly when its set holds the word's: no ``LIKE`` to check (``%`` and
# ``_`` are plain characters here).

# The pairs of adjacent characters of a text (upper-cased, none holding whitespace): what the index
# holds for a task, and the keys looked up for a search word of two or more characters, once each, sorted.
# The text is split at whitespace once and each word into characters once, each paired with the next
# (migration tasks/0011; before it a window function over every character and a regular expression per
# pair cost twice as much, and before 0010 ``substr`` re-read the text from its start for each pair).
CREATE_SQL = [
    """
    CREATE OR REPLACE FUNCTION rectify_text_grams(t text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 5000 AS $$
    DECLARE chars text[]; pairs text[] := '{}'; i int; word text;
    BEGIN
      FOREACH word IN ARRAY regexp_split_to_array(upper(t), '\\s+') LOOP
        chars := string_to_array(word, NULL);
        FOR i IN 1 .. coalesce(array_length(chars, 1), 0) - 1 LOOP
          pairs := pairs || (chars[i] || chars[i + 1]);
        END LOOP;
      END LOOP;
      RETURN ARRAY(SELECT DISTINCT g FROM unnest(pairs) g ORDER BY 1);
    END
    $$
    """,
    "CREATE OR REPLACE FUNCTION rectify_word_grams(w text) RETURNS text[]"
    " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT rectify_text_grams(w) $$",
    f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON tasks_task USING gin (rectify_text_grams(search_text))",
]
DROP_SQL = [
    f"DROP INDEX IF EXISTS {INDEX_NAME}",
    "DROP FUNCTION IF EXISTS rectify_word_grams(text)",
    "DROP FUNCTION IF EXISTS rectify_text_grams(text)",
]


@models.TextField.register_lookup
class GramContains(Lookup):
    """``icontains``, narrowed first through the character-pair index on PostgreSQL."""

    lookup_name = "gram_contains"

    def as_sql(self, compiler: Any, connection: Any) -> Any:  # (sql, params), as every lookup
        sql, params = compiler.compile(any_case_contains(self.lhs, self.rhs))
        return sql, list(params)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        like_sql, like_params = self.as_sql(compiler, connection)
        if len(self.rhs) == 1:
            return char_condition(compiler, self.lhs, self.rhs)
        if len(self.rhs) < 2:
            return like_sql, like_params
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        gram_sql = f"rectify_text_grams({lhs_sql}) @> rectify_word_grams(%s)"
        if exact_by_pair(self.rhs):
            return f"({gram_sql})", [*lhs_params, self.rhs]
        return f"({gram_sql} AND {like_sql})", [*lhs_params, self.rhs, *like_params]


@models.TextField.register_lookup
class GramPairs(Lookup):
    """The character-pair condition of ``gram_contains`` alone, for estimates: a text holding the word holds its
    pairs, so these matches include the word's, and PostgreSQL estimates them from the index's statistics (the
    most common pairs' own frequencies), where it guesses a ``LIKE``'s: it expected 14 of the 230,613 tasks of
    300,000 holding 生态环境. A one-character word: its character's condition; ``icontains`` elsewhere."""

    lookup_name = "gram_pairs"

    def as_sql(self, compiler: Any, connection: Any) -> Any:  # (sql, params), as every lookup
        sql, params = compiler.compile(any_case_contains(self.lhs, self.rhs))
        return sql, list(params)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if len(self.rhs) == 1:
            return char_condition(compiler, self.lhs, self.rhs)
        if len(self.rhs) < 2:
            return self.as_sql(compiler, connection)  # type: ignore[no-any-return]
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        return f"rectify_text_grams({lhs_sql}) @> rectify_word_grams(%s)", [*lhs_params, self.rhs]


def any_case_contains(lhs: Any, word: str) -> Lookup:
    """``icontains``, or ``contains`` for a ``caseless`` word (the same rows, no text upper-cased)."""
    return Contains(lhs, word) if caseless(word) else IContains(lhs, word)


def char_condition(compiler: Any, lhs: Any, char: str) -> tuple[str, list[Any]]:
    """A text holding the one character ``char`` (any case), through the single-character index."""
    lhs_sql, lhs_params = compiler.compile(lhs)
    return f"(rectify_text_chars({lhs_sql}) @> rectify_text_chars(%s))", [*lhs_params, char]


def exact_by_pair(word: str) -> bool:
    """A word of two letters or characters is its own one pair: a text holds the pair exactly when it holds
    the word, so the index answers alone — without the ``LIKE`` that upper-cases and scans each candidate's
    text (at 300,000 tasks, 37,126 candidates of 污水: 190 ms with it, 42 ms without). Punctuation or
    space in it keeps the ``LIKE`` (where Python and PostgreSQL might split words differently)."""
    return len(word) == 2 and word.isalnum()

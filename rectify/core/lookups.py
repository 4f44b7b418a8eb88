"""``path__under=prefix``: a materialised path inside a subtree, as a range an index can serve.

``startswith`` against a column (``OuterRef``) becomes ``LIKE <expression> || '%'``, which no index
serves; ``under`` writes the same condition as a byte-wise range ``>= prefix`` and ``< prefix || '~'``
(region paths are digits and ``/``, all below ``~``): on PostgreSQL with the ``varchar_pattern_ops``
operators (``~>=~``, ``~<~``), so an index with that operator class gives the rows of the subtree even
when the prefix is another row's column; on SQLite with the default binary comparison.
"""
from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup


@models.CharField.register_lookup
class Under(Lookup[str]):
    lookup_name = "under"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        params = (*lhs_params, *rhs_params, *lhs_params, *rhs_params)
        if connection.vendor == "postgresql":
            return f"({lhs} ~>=~ {rhs} AND {lhs} ~<~ ({rhs} || '~'))", params
        return f"({lhs} >= {rhs} AND {lhs} < ({rhs} || '~'))", params

"""Used by the migrations: stored documents given their issuer (numbers that name who issued them); tables
followed by ``core.generations``; maintained counters installed and counted (``core.counters``)."""
from __future__ import annotations

from functools import partial
from typing import Any

from django.db import migrations

from .numbering import issuer_name


def fill_issuers(apps: Any, app_label: str, model_name: str, kind: str) -> None:
    """Set ``issuer`` on every stored document from its region; where two regions would print the
    same number, the later one keeps its region code beside the name; then start the counters
    after the highest number already given."""
    model = apps.get_model(app_label, model_name)
    counter = apps.get_model("core", "DocumentCounter")
    taken: set[tuple[str, int, int]] = set()
    for item in model.objects.select_related("region__parent__parent").order_by("id"):
        issuer = issuer_name(item.region)
        if (issuer, item.year, item.seq) in taken:
            issuer = f"{issuer}（{item.region.code}）"
        taken.add((issuer, item.year, item.seq))
        model.objects.filter(pk=item.pk).update(issuer=issuer)
    highest: dict[tuple[str, int], int] = {}
    for issuer, year, seq in taken:
        highest[(issuer, year)] = max(seq, highest.get((issuer, year), 0))
    for (issuer, year), last in highest.items():
        counter.objects.update_or_create(kind=kind, issuer=issuer, year=year, defaults={"last": last})


def _follow(tables: list[str], apps: Any, schema_editor: Any) -> None:
    from . import generations

    generations.follow(tables, schema_editor.connection.alias)


def _unfollow(tables: list[str], apps: Any, schema_editor: Any) -> None:
    from . import generations

    generations.unfollow(tables, schema_editor.connection.alias)


def follow_generations(tables: list[str]) -> migrations.RunPython:
    """The operation that gives each of ``tables`` a token renewed by a trigger on every write (pages keep what
    they read from the table until it changes: ``rectify.core.generations``), and takes them away backwards."""
    return migrations.RunPython(partial(_follow, tables), partial(_unfollow, tables))


def _execute_on_postgresql(statements: list[str], apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement)


def on_postgresql(forwards: list[str], backwards: list[str]) -> migrations.RunPython:
    """The operation that runs ``forwards`` (and ``backwards`` to undo it) on PostgreSQL, nothing on SQLite: the
    indexes and statistics that only PostgreSQL's planner reads."""
    return migrations.RunPython(partial(_execute_on_postgresql, forwards), partial(_execute_on_postgresql, backwards))


def _counter(path: str) -> Any:
    from importlib import import_module

    module, name = path.rsplit(".", 1)
    return getattr(import_module(module), name)


def _install_and_fill(path: str, apps: Any, schema_editor: Any) -> None:
    from . import counters

    counters.install(_counter(path), schema_editor.connection.alias)
    counters.rebuild(_counter(path), schema_editor.connection.alias)


def _uninstall(path: str, apps: Any, schema_editor: Any) -> None:
    from . import counters

    counters.uninstall(_counter(path), schema_editor.connection.alias)


def count_with(path: str) -> migrations.RunPython:
    """The operation that installs the triggers of the counter at ``path`` (``"rectify.<app>.counters.NAME"``, a
    ``core.counters.Counter``), then counts the rows already there (one ``INSERT … SELECT … GROUP BY``); backwards, it
    takes the triggers away. Creating the triggers locks the counted tables against writes until the migration
    commits: no write goes uncounted between the two."""
    return migrations.RunPython(partial(_install_and_fill, path), partial(_uninstall, path))

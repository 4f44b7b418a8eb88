"""序号 in natural order on the ledger page (1, 2, … 10, 11; 2.3 before 2.10), as in the Excel export."""
from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from rectify.tasks import excel
from rectify.tasks.models import Task, seq_sort_key

SEQS = ["10", "2", "1", "11", "2.10", "2.3", "3-1", "9", "（一）", "3", "12"]


def _page_seqs(client: Any, **params: str) -> list[str]:
    response = client.get(reverse("tasks:ledger"), params)
    assert response.status_code == 200
    return [t.seq for t in response.context["page"].object_list]


def test_ledger_sorts_seq_naturally_as_the_export(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    shuffled = SEQS[:]
    random.Random(7).shuffle(shuffled)
    for seq in shuffled:
        make_task(seq=seq)
    client = login(world.city_office)
    natural = sorted(SEQS, key=excel.natural_key)
    assert natural[:6] == ["1", "2", "2.3", "2.10", "3", "3-1"]
    assert _page_seqs(client, ordering="seq") == natural
    assert _page_seqs(client, ordering="-seq") == natural[::-1]
    exported = [t.seq for t in excel.document_order(Task.objects.all())]
    assert exported == natural


def test_pages_of_the_seq_sort_neither_repeat_nor_skip(world: SimpleNamespace, make_task: Any, login: Any, settings: Any) -> None:
    settings.LEDGER_PAGE_SIZE = 4
    for seq in ["1", "2", "2", "2", "2", "3", "10"]:
        make_task(seq=seq)
    client = login(world.city_office)
    seen = []
    for page in ("1", "2"):
        response = client.get(reverse("tasks:ledger"), {"ordering": "seq", "page": page})
        seen += [t.pk for t in response.context["page"].object_list]
    assert sorted(seen) == sorted(Task.objects.values_list("pk", flat=True))


@given(st.lists(st.text(alphabet="0123456789.-（）一二abc ", min_size=1, max_size=20), min_size=2, max_size=8))
def test_the_stored_key_orders_as_the_export(seqs: list[str]) -> None:
    by_key = sorted(seqs, key=lambda s: (seq_sort_key(s), s))
    by_natural = sorted(seqs, key=lambda s: (excel.natural_key(s), seq_sort_key(s), s))
    assert [excel.natural_key(s) for s in by_key] == [excel.natural_key(s) for s in by_natural]


def test_the_excel_import_has_no_scope_of_its_own() -> None:
    import inspect

    from rectify.tasks import excel_import

    source = inspect.getsource(excel) + inspect.getsource(excel_import)
    assert "def writable_region_q" not in source
    assert "editable_by(user)" in source

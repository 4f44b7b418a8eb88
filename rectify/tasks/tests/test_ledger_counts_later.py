"""A filtered ledger page over a large scope shows its rows first and loads its counts after itself
(``tasks.views.counts_later``): the same rows, the same counts, pages one on or back, the scope kept."""
from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def counts_section(html: str) -> str:
    found = re.search(r'<section class="counts".*?</section>', html, re.S)
    assert found, "no counts section"
    return found.group(0)


def seqs(html: str) -> list[str]:
    return re.findall(r'<td class="seq">([^<]*)</td>', html)


def grouped_count(queries: Any) -> bool:
    return any('GROUP BY "tasks_task"."state"' in q["sql"] or "GROUP BY 1" in q["sql"] and "tasks_task" in q["sql"]
               for q in queries)


def test_a_large_scopes_search_loads_its_counts_later_with_the_same_rows(many: SimpleNamespace, login: Any, settings: Any) -> None:
    client = login(many.city_office)
    counted = client.get("/ledger/", {"q": "河道", "counts": "1"}).content.decode()
    settings.LEDGER_COUNT_LATER_ROWS = 10  # the city's 17 tasks are "many"
    with CaptureQueriesContext(connection) as queries:
        later = client.get("/ledger/", {"q": "河道"}).content.decode()
    assert not grouped_count(queries)
    assert 'data-deferred-src="/ledger/counts/?q=%E6%B2%B3%E9%81%93"' in later
    assert seqs(later) == seqs(counted) and len(seqs(later)) == 5
    assert "第 1 页（任务数见上方“全部”）" in later and "末页" not in later
    fragment = client.get("/ledger/counts/", {"q": "河道"}).content.decode()
    assert counts_section(fragment) == counts_section(counted)
    assert '<span class="num" id="count-all">15</span>' in fragment


def test_pages_of_a_search_counted_later_go_on_and_back_to_the_end(many: SimpleNamespace, login: Any, settings: Any) -> None:
    settings.LEDGER_COUNT_LATER_ROWS = 10
    client = login(many.city_office)
    everything = seqs(client.get("/ledger/", {"q": "河道", "counts": "1", "page": "1"}).content.decode())
    shown = []
    for number in (1, 2, 3):
        html = client.get("/ledger/", {"q": "河道", "page": str(number)}).content.decode()
        shown += seqs(html)
        assert ('rel="next"' in html) == (number < 3)
        assert ('rel="prev"' in html) == (number > 1)
    counted_pages = [seqs(client.get("/ledger/", {"q": "河道", "counts": "1", "page": str(n)}).content.decode()) for n in (1, 2, 3)]
    assert shown == [s for p in counted_pages for s in p] and len(shown) == 15 and shown[:5] == everything
    past_the_end = client.get("/ledger/", {"q": "河道", "page": "9"}).content.decode()
    assert "没有符合条件的任务" in past_the_end


def test_the_landing_page_and_small_scopes_count_in_the_page(many: SimpleNamespace, login: Any, settings: Any) -> None:
    client = login(many.city_office)
    assert "data-deferred-src=\"/ledger/counts/" not in client.get("/ledger/", {"q": "河道"}).content.decode()  # 17 < 50,000
    settings.LEDGER_COUNT_LATER_ROWS = 10
    assert "/ledger/counts/" not in client.get("/ledger/").content.decode()  # the maintained counts answer
    unit = login(many.county_unit)  # a unit's scope is not whole subtrees: counted in the page
    assert "/ledger/counts/" not in unit.get("/ledger/", {"q": "河道"}).content.decode()


def test_the_counts_later_are_the_callers_own(many: SimpleNamespace, login: Any, settings: Any, client: Any) -> None:
    settings.LEDGER_COUNT_LATER_ROWS = 0
    assert client.get("/ledger/counts/", {"q": "河道"}).status_code == 302  # not signed in: the login page
    city = login(many.city_office).get("/ledger/counts/", {"q": "河道"}).content.decode()
    unit = login(many.county_unit).get("/ledger/counts/", {"q": "河道"}).content.decode()
    other = login(many.other_unit).get("/ledger/counts/", {"q": "河道"}).content.decode()
    assert '<span class="num" id="count-all">15</span>' in city
    assert '<span class="num" id="count-all">12</span>' in unit
    assert '<span class="num" id="count-all">0</span>' in other


def test_without_javascript_the_placeholder_links_to_the_page_counted(many: SimpleNamespace, login: Any, settings: Any) -> None:
    settings.LEDGER_COUNT_LATER_ROWS = 10
    client = login(many.city_office)
    later = client.get("/ledger/", {"q": "河道", "state": "assigned"}).content.decode()
    link = re.search(r'<a class="count-card" href="\?([^"]*)"><b>各状态任务数</b>', later)
    assert link and link.group(1).replace("&amp;", "&") == "q=%E6%B2%B3%E9%81%93&state=assigned&counts=1"
    counted = client.get(f"/ledger/?{link.group(1).replace('&amp;', '&')}").content.decode()
    assert '<span class="num" id="count-all">15</span>' in counted and "共 <b>15</b> 项任务" in counted
    assert "counts=1" not in re.search(r'name="query" value="([^"]*)"', counted).group(1)  # not kept in a saved filter

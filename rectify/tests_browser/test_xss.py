"""In-browser XSS check of every page that shows user text.

Every free-text field of the whole loop (inspection team, task problem/target/measures, unit and
plan names, dispatch round, report and review, supervision reason and step, acceptance report,
review reasons and signature, objection, look-back …) is filled through the real forms with script
payloads; then every page enumerated from the URL patterns is opened in headless Chromium — as the
office, as the responsible unit and anonymously — with the Content-Security-Policy bypassed, so an
unescaped payload would run. None may run, open a dialog or put an element or link into the page.
"""
from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client

from rectify.tests_browser.conftest import needs_chromium
from rectify.tests_browser.loop import run_loop
from rectify.tests_browser.routes import all_routes, objects_of, url_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]

PAYLOADS = [
    "<img src=x onerror=window.__xss=1>",
    '"><script>window.__xss=1</script>',
    "javascript:window.__xss=1//",
    "'><svg onload=window.__xss=1>",
]
FILES = (".xlsx", ".docx", ".zip")
# Pages that must have been visited and must show the payload as text (so the check is not vacuous).
MUST_SHOW = {
    "tasks:ledger", "tasks:detail", "inspections:list", "inspections:detail", "dispatch:round", "dispatch:report",
    "supervision:list", "supervision:detail", "acceptance:file", "acceptance:public_list", "acceptance:public_detail",
    "notifications:list", "acceptance:look_back",
}
INJECTED = """() => ({
  xss: typeof window.__xss !== 'undefined',
  elements: document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload], script:not([src])').length,
  links: Array.from(document.querySelectorAll('a[href], form[action], iframe[src]'))
           .filter(e => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('action') || e.getAttribute('src') || '')).length,
})"""


def _html_pages(client: Client, objects: dict[str, Any]) -> list[tuple[str, str]]:
    pages = []
    for route in all_routes():
        if route.pattern.endswith(FILES):
            continue  # downloads, not pages (their 500s are the fuzz test's business)
        url = url_for(route, objects)
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            pages.append((route.name, url))
    return pages


def _visit_all(watched: Any, pages: list[tuple[str, str]], who: str) -> set[str]:
    showing = set()
    problems = []
    for name, url in pages:
        watched.go(url)
        found = watched.page.evaluate(INJECTED)
        if found["xss"] or found["elements"] or found["links"]:
            problems.append(f"{who} {name} {url}: {found}")
        if "window.__xss=1" in watched.page.inner_text("body"):
            showing.add(name)
    assert not problems, "\n".join(problems)
    assert not watched.dialogs, watched.dialogs
    return showing


def test_no_user_text_runs_as_script_on_any_page(world: Any, login: Any, open_page: Any) -> None:
    payload = itertools.cycle(PAYLOADS)
    done = run_loop(world, login, lambda name: f"{next(payload)}{name}")
    objects = objects_of(world, done)

    showing: set[str] = set()
    for user in (world.city_office, world.county_unit):
        pages = _html_pages(login(user), objects)
        watched = open_page(bypass_csp=True)
        watched.log_in(user.username)
        showing |= _visit_all(watched, pages, user.username)
    public = _html_pages(Client(), objects)
    assert {"acceptance:public_list", "acceptance:public_detail"} <= {name for name, _ in public}
    showing |= _visit_all(open_page(bypass_csp=True), public, "匿名")
    assert MUST_SHOW <= showing, f"这些页面没有显示用户输入的内容：{MUST_SHOW - showing}"

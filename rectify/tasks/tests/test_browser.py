"""The main pages in headless Chromium (Debian's /usr/bin/chromium driven by Playwright)."""
from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

import pytest

from conftest import PASSWORD

CHROMIUM = os.environ.get("RECTIFY_CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"没有找到 {CHROMIUM}：请安装 Debian 的 chromium（.ci/run 会自动安装）"),
]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def open_page(browser, live_server, **context_options):
    context = browser.new_context(locale="zh-CN", **context_options)
    page = context.new_page()
    outside: list[str] = []
    server_host = urlparse(live_server.url).hostname

    def watch(request):
        host = urlparse(request.url).hostname
        if host and host != server_host:
            outside.append(request.url)

    page.on("request", watch)
    return page, outside


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/ledger/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/ledger/")


def test_log_in_filter_the_ledger_and_open_a_task(browser, live_server, world, make_task):
    make_task(seq="1", problem="河道两岸生活垃圾堆放问题")
    make_task(seq="2", problem="建筑工地扬尘管控不到位", measures=["安装在线监测设备", "渣土车密闭运输"])
    page, outside = open_page(browser, live_server)

    log_in(page, live_server, "city_office")
    # The stylesheet is served by the system itself (no CDN): the top bar has its colour.
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).backgroundColor") == "rgb(29, 79, 145)"
    assert page.locator("table.ledger tbody tr").count() == 2
    assert page.locator("#count-all").inner_text() == "2"

    page.fill("#id_q", "扬尘")
    page.click("#ledger-filter button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("table.ledger tbody tr")
    assert rows.count() == 1

    rows.first.locator("a").click()
    page.wait_for_load_state()
    assert "建筑工地扬尘管控不到位" in page.content()
    assert page.locator("ol.measures li").all_inner_texts() == ["安装在线监测设备", "渣土车密闭运输"]
    assert "变更记录" in page.content()
    assert outside == [], f"页面请求了外部地址：{outside}"


def test_the_ledger_loads_its_to_do_panel_after_itself(browser, live_server, world, make_task):
    """待我处理 arrives after the page (deferred.js, allowed by the page's CSP); without JavaScript the
    placeholder's link to the full lists stays."""
    make_task(seq="1")
    page, outside = open_page(browser, live_server)
    log_in(page, live_server, "city_office")
    page.wait_for_selector("#todo .todo-lists")
    assert page.locator("#todo").count() == 1 and page.locator("[data-deferred-src]").count() == 0
    assert page.locator('#todo [data-todo="tasks_to_announce"]').inner_text() == "0"
    assert outside == []

    no_script, _ = open_page(browser, live_server, java_script_enabled=False)
    log_in(no_script, live_server, "city_office")
    assert no_script.locator("#todo[data-deferred-src]").count() == 1
    no_script.locator("#todo a").click()
    no_script.wait_for_url(f"{live_server.url}/notifications/todo/")
    assert no_script.locator('#todo [data-todo="tasks_to_announce"]').inner_text() == "0"


def test_a_large_scopes_search_fills_in_its_counts_after_the_page(browser, live_server, world, make_task, settings):
    """Over a scope counted as large, a search shows its rows and then its counts (deferred.js); the cards link
    to the states of the same search."""
    settings.LEDGER_COUNT_LATER_ROWS = 1
    for i in range(3):
        make_task(seq=str(i + 1), problem=f"河道垃圾问题{i + 1}")
    make_task(seq="9", problem="扬尘问题")
    page, outside = open_page(browser, live_server)
    log_in(page, live_server, "city_office")
    page.goto(f"{live_server.url}/ledger/?q=河道")
    page.wait_for_selector("#count-all")
    assert page.locator("#count-all").inner_text() == "3" and page.locator("table.ledger tbody tr").count() == 3
    page.wait_for_selector("#todo .todo-lists")  # 待我处理, loaded after the page too, may arrive after the counts
    assert page.locator("[data-deferred-src]").count() == 0  # every part loaded after the page replaced its placeholder
    page.locator("a.count-card.state-assigned").click()
    page.wait_for_selector("#count-all")
    assert "state=assigned" in page.url and page.locator("table.ledger tbody tr").count() == 3
    assert outside == []


def test_wrong_password_shows_chinese_error(browser, live_server, world):
    page, _ = open_page(browser, live_server)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "city_office")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".alert-error").inner_text() == "用户名或密码不正确，请重新输入。"


def test_ledger_fits_a_phone_screen(browser, live_server, world, make_task):
    for i in range(5):
        make_task(seq=str(i))
    page, _ = open_page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True)
    log_in(page, live_server, "city_office")
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390, f"页面在手机上出现横向滚动：{page_width}px"
    assert page.locator("table.ledger tbody tr").count() == 5


def test_editing_a_long_term_task_in_the_browser_keeps_its_deadline(browser, live_server, world, make_task):
    """The office walk's 10.1 in a real browser: the date input shows 2027-06-30 and an untouched save changes nothing."""
    import datetime

    from rectify.core.models import ChangeRecord
    from rectify.tasks.models import Task

    task = make_task(seq="7", long_term=True, deadline=datetime.date(2027, 6, 30), problem="第一行\n第二行",
                     milestones=[(datetime.date(2026, 3, 31), "完成排查"), (None, "每月复查")])
    history = ChangeRecord.objects.count()
    page, _ = open_page(browser, live_server)
    log_in(page, live_server, "city_office")
    page.goto(f"{live_server.url}/ledger/{task.uuid}/edit/")
    assert page.input_value("#id_deadline") == "2027-06-30"  # what the browser holds, after its own sanitizing
    page.click("form.task-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/ledger/{task.uuid}/")
    assert "内容没有变化" in page.content()
    task = Task.objects.get(pk=task.pk)
    assert task.deadline == datetime.date(2027, 6, 30) and task.long_term and task.version == 1
    assert task.problem == "第一行\n第二行"
    assert ChangeRecord.objects.count() == history

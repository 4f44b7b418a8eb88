"""The staff page /jobs/ and the “立即运行” button."""
from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from rectify.jobs import registry, services
from rectify.jobs.models import Job

pytestmark = pytest.mark.django_db


def nightly(today: Any = None) -> int:
    """测试用夜间检查"""
    return 0


@pytest.fixture(autouse=True)
def isolated_registry(monkeypatch: Any) -> None:
    monkeypatch.setattr(registry, "_periodic", {})
    monkeypatch.setattr(registry, "_jobs", {})
    registry.periodic("test.nightly", every_minutes=1440)(nightly)


def test_jobs_page_is_for_staff_only(world: Any, login: Any, client: Any) -> None:
    assert client.get(reverse("jobs:list")).status_code == 302  # anonymous → login
    for user in (world.city_office, world.county_unit, world.nobody):
        response = login(user).get(reverse("jobs:list"))
        assert response.status_code == 403
        assert login(user).post(reverse("jobs:run", args=["test.nightly"])).status_code == 403
    assert not Job.objects.exists()


def test_jobs_page_lists_jobs_with_errors_and_paginates(world: Any, login: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(35):
        services.enqueue("test.nightly")
    Job.objects.create(name="test.nightly", status=Job.Status.FAILED, attempts=3, last_error="Traceback …\nRuntimeError: 数据源不可用")
    client = login(world.admin)
    client.get(reverse("jobs:list"))  # the first page after the grants were written reads them (core.generations)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("jobs:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "数据源不可用" in html and "失败" in html
    assert "第 1 / 2 页" in html and "测试用夜间检查" in html and "立即运行" in html
    assert client.get(reverse("jobs:list"), {"page": 2}).status_code == 200
    failed = client.get(reverse("jobs:list"), {"status": "failed"}).content.decode()
    assert failed.count("数据源不可用") >= 1 and "第 1 / 2 页" not in failed
    empty = client.get(reverse("jobs:list"), {"status": "running"}).content.decode()
    assert "没有该状态的后台任务" in empty


def test_empty_jobs_page(world: Any, login: Any) -> None:
    html = login(world.admin).get(reverse("jobs:list")).content.decode()
    assert "还没有后台任务" in html


def test_run_now_is_admin_only_and_enqueues_once(world: Any, login: Any) -> None:
    staff_not_admin = world.city_office
    staff_not_admin.is_staff = True
    staff_not_admin.save()
    client = login(staff_not_admin)
    page = client.get(reverse("jobs:list"))
    assert page.status_code == 200 and "立即运行" not in page.content.decode()
    assert client.post(reverse("jobs:run", args=["test.nightly"])).status_code == 403

    admin = login(world.admin)
    assert admin.get(reverse("jobs:run", args=["test.nightly"])).status_code == 405
    response = admin.post(reverse("jobs:run", args=["test.nightly"]), follow=True)
    assert response.status_code == 200
    assert "已排入队列" in response.content.decode()
    admin.post(reverse("jobs:run", args=["test.nightly"]))
    assert Job.objects.filter(name="test.nightly", status=Job.Status.QUEUED).count() == 1
    assert admin.post(reverse("jobs:run", args=["no.such.check"])).status_code == 404

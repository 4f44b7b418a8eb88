"""A NUL character in a query parameter or form field is refused with 400 on every page (PostgreSQL
cannot store it in text; on SQLite it would slip through): one middleware, every member tested."""
from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectify.core.models import SavedFilter

pytestmark = pytest.mark.django_db

# The pages where the fuzz test found a NUL reaching the database (PostgreSQL DataError → 500).
GET_PAGES = [("inspections:list", "q"), ("tasks:ledger", "q"), ("supervision:rules", "level"), ("supervision:list", "q")]


@pytest.mark.parametrize(("name", "param"), GET_PAGES)
def test_a_null_in_a_query_parameter_is_refused(world: Any, login: Any, name: str, param: str) -> None:
    client = login(world.city_office)
    assert client.get(reverse(name), {param: "河道"}).status_code == 200
    response = client.get(reverse(name), {param: "河\x00道"})
    assert response.status_code == 400 and "空字符" in response.content.decode()


def test_a_null_in_a_parameter_name_or_a_round_page_is_refused(world: Any, login: Any) -> None:
    client = login(world.city_office)
    assert client.get(reverse("dispatch:home"), {"q\x00": "1"}).status_code == 400
    assert client.get(reverse("dispatch:home"), {"q": "\x00"}).status_code == 400


def test_a_null_in_a_form_field_is_refused_and_nothing_is_saved(world: Any, login: Any) -> None:
    client = login(world.city_office)
    response = client.post(reverse("tasks:save_filter"), {"name": "我的\x00筛选", "query": "q=1"})
    assert response.status_code == 400
    assert not SavedFilter.objects.exists()
    multipart = client.post(reverse("inspections:create"), {"team": "督察组\x00", "level": "municipal", "target_region": world.county.pk,
                                                            "file": SimpleUploadedFile("a.txt", b"x")})
    assert multipart.status_code == 400
    assert client.post(reverse("tasks:save_filter"), {"name": "我的筛选", "query": "q=1"}).status_code == 302


"""Every model choice of every form refuses an out-of-range key with a form error (never a database
OverflowError): each is an ``IdChoiceField`` or ``IdMultipleChoiceField`` (``rectify/core/params.py``)."""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms

import rectify
from rectify.core.params import IdChoiceField, IdMultipleChoiceField

HUGE = "100000000000000000000"


def _import_all() -> None:
    for info in pkgutil.walk_packages(rectify.__path__, "rectify."):
        if any(part in info.name for part in (".tests", ".migrations", "tests_", ".management", "settings_production")):
            continue
        importlib.import_module(info.name)


def _form_classes() -> Iterator[type[forms.BaseForm]]:
    _import_all()
    seen: set[type[Any]] = set()
    todo: list[type[Any]] = [forms.BaseForm]
    while todo:
        cls = todo.pop()
        sub: type[Any]
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
                if sub.__module__.startswith("rectify.") and "tests" not in sub.__module__:
                    yield sub


def test_every_model_choice_of_a_form_checks_the_key_range() -> None:
    found: list[str] = []
    wrong: list[str] = []
    for cls in _form_classes():
        for name, field in getattr(cls, "base_fields", {}).items():
            if isinstance(field, forms.ModelChoiceField):
                found.append(f"{cls.__module__}.{cls.__name__}.{name}")
                if not isinstance(field, (IdChoiceField, IdMultipleChoiceField)):
                    wrong.append(f"{cls.__module__}.{cls.__name__}.{name} ({type(field).__name__})")
    assert len(found) >= 8, found  # the enumeration reaches the product's forms
    assert not wrong, f"model choices that would query an out-of-range key: {wrong}"


@pytest.mark.django_db
@pytest.mark.parametrize("value", [HUGE, "-" + HUGE, "0", "1e3", "x"])
def test_out_of_range_keys_are_form_errors(world: Any, value: str) -> None:
    from rectify.regions.models import Region, Unit

    single = IdChoiceField(queryset=Region.objects.all())
    multiple = IdMultipleChoiceField(queryset=Unit.objects.all())
    with pytest.raises(forms.ValidationError):
        single.clean(value)
    with pytest.raises(forms.ValidationError):
        multiple.clean([str(world.unit_county_env.pk), value])
    assert multiple.clean([str(world.unit_county_env.pk)]).get() == world.unit_county_env


@pytest.mark.django_db
def test_every_admin_model_choice_checks_the_key_range(rf: Any, world: Any) -> None:
    from django.contrib import admin
    from django.db import models

    request = rf.get("/admin/")
    world.admin.is_superuser = True
    request.user = world.admin
    checked: list[str] = []
    wrong: list[str] = []
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *(inline(model, admin.site) for inline in model_admin.inlines)]
        for each in admins:
            for db_field in each.model._meta.get_fields():
                if not isinstance(db_field, (models.ForeignKey, models.ManyToManyField)):
                    continue
                formfield = each.formfield_for_dbfield(db_field, request)
                if formfield is None or not isinstance(formfield, forms.ModelChoiceField):
                    continue
                checked.append(f"{each.model.__name__}.{db_field.name}")
                if not isinstance(formfield, (IdChoiceField, IdMultipleChoiceField)):
                    wrong.append(f"{type(each).__name__}: {each.model.__name__}.{db_field.name} ({type(formfield).__name__})")
    assert len(checked) >= 10, checked
    assert not wrong, wrong


@pytest.mark.django_db
def test_admin_change_form_with_an_out_of_range_id_is_a_form_error(world: Any, login: Any) -> None:
    from django.urls import reverse

    world.admin.is_superuser = True
    world.admin.save()
    url = reverse("admin:accounts_user_change", args=[world.nobody.pk])
    response = login(world.admin).post(url, {
        "username": "nobody", "user_permissions": HUGE, "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "rolegrant_set-TOTAL_FORMS": "0", "rolegrant_set-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.get("user_permissions")

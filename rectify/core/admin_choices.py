"""The admin's model choices refuse an out-of-range key too (``core.params``): every registered
ModelAdmin and inline builds its foreign-key and many-to-many fields as ``IdChoiceField`` /
``IdMultipleChoiceField``, so a forged id is a form error there as on every other form."""
from __future__ import annotations

from typing import Any

from django.db import models

from .params import IdChoiceField, IdMultipleChoiceField

OVERRIDES: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.ForeignKey: {"form_class": IdChoiceField},
    models.OneToOneField: {"form_class": IdChoiceField},
    models.ManyToManyField: {"form_class": IdMultipleChoiceField},
}


def use_id_choices(site: Any) -> None:
    """Apply ``OVERRIDES`` to every ModelAdmin of ``site`` and to its inline classes."""
    for model_admin in site._registry.values():
        for field_class, options in OVERRIDES.items():
            model_admin.formfield_overrides.setdefault(field_class, {}).update(options)
        for inline in model_admin.inlines:
            inline.formfield_overrides = {**inline.formfield_overrides, **{k: dict(v) for k, v in OVERRIDES.items()}}

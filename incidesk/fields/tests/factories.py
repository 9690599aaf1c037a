"""Custom field definitions as an administrator would make them."""

from __future__ import annotations

from typing import Any

from incidesk.fields.models import FieldDefinition, FieldType

SEVERITY = [
    {"code": "low", "ru": "Низкая", "en": "Low"},
    {"code": "high", "ru": "Высокая", "en": "High"},
]


def make_field(code: str, field_type: str = FieldType.TEXT, **options: Any) -> FieldDefinition:
    options.setdefault("label_ru", f"Поле {code}")
    options.setdefault("label_en", f"Field {code}")
    categories = options.pop("categories", [])
    field = FieldDefinition.objects.create(code=code, field_type=field_type, **options)
    field.categories.set(categories)
    return field

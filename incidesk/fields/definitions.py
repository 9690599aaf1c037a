"""The custom field definitions as every registration, edit, resolution and page reads them:
kept per process and current across processes by the `custom_fields` generation
(`core.generations`), so a read costs one small query while nothing changed.

Every save or delete of a definition, and every change of its categories, bumps the generation
in the changing transaction (the signal handlers below).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from incidesk.core.generations import GenerationCache, bump
from incidesk.fields.models import CHOICE_TYPES, FieldDefinition, FieldType, in_language

GENERATION = "custom_fields"


@dataclass(frozen=True)
class Choice:
    code: str
    ru: str
    en: str

    @property
    def label(self) -> str:
        return in_language(self.ru, self.en)


@dataclass(frozen=True)
class Definition:
    """One definition, read-only and shared by the whole process."""

    code: str
    label_ru: str
    label_en: str
    type: FieldType
    choices: tuple[Choice, ...]
    kinds: frozenset[str]
    categories: frozenset[int]
    required_on_create: bool
    required_on_resolve: bool
    customer_visible: bool
    customer_fillable: bool
    active: bool

    @property
    def label(self) -> str:
        return in_language(self.label_ru, self.label_en)

    @property
    def has_choices(self) -> bool:
        return self.type in CHOICE_TYPES

    def applies(self, kind: str, category_id: int | None) -> bool:
        """Whether the field belongs on an incident of `kind` in category `category_id`."""
        return (not self.kinds or kind in self.kinds) and (
            not self.categories or category_id in self.categories
        )

    def choice_label(self, code: str) -> str:
        """A choice's label; a removed choice shows its code (the stored value is kept)."""
        return next((c.label for c in self.choices if c.code == code), code)


@dataclass(frozen=True)
class Definitions:
    """Every definition, active or not, in their order."""

    all: tuple[Definition, ...]

    def get(self, code: str) -> Definition | None:
        return next((d for d in self.all if d.code == code), None)

    def active_for(self, kind: str, category_id: int | None) -> tuple[Definition, ...]:
        return tuple(d for d in self.all if d.active and d.applies(kind, category_id))

    def label_of(self, code: str) -> str:
        """A field's label in the active language; a field never defined shows its code."""
        found = self.get(code)
        return found.label if found is not None else code

    def described(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        """(label, value in words) of each of `values`, in their stored order."""
        return [(self.label_of(code), self.display(code, v)) for code, v in values.items()]

    def display(self, code: str, value: Any) -> str:
        """A stored value in words: choices by their labels, yes/no, the rest as stored."""
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, bool):
            return str(_("yes") if value else _("no"))
        found = self.get(code)
        if found is not None and found.has_choices:
            codes = value if isinstance(value, list) else [value]
            return ", ".join(found.choice_label(str(c)) for c in codes)
        return str(value)


def _load() -> Definitions:
    through = FieldDefinition.categories.through
    categories: dict[int, set[int]] = {}
    for field_id, category_id in through.objects.values_list("fielddefinition_id", "category_id"):
        categories.setdefault(field_id, set()).add(category_id)
    return Definitions(
        all=tuple(
            Definition(
                code=row.code,
                label_ru=row.label_ru,
                label_en=row.label_en,
                type=FieldType(row.field_type),
                choices=tuple(Choice(code=c["code"], ru=c["ru"], en=c["en"]) for c in row.choices),
                kinds=frozenset(row.kinds),
                categories=frozenset(categories.get(row.pk, ())),
                required_on_create=row.required_on_create,
                required_on_resolve=row.required_on_resolve,
                customer_visible=row.customer_visible,
                customer_fillable=row.customer_fillable,
                active=row.is_active,
            )
            for row in FieldDefinition.objects.all()
        )
    )


_CACHE = GenerationCache(GENERATION, _load)


def current() -> Definitions:
    """The definitions as committed (one query while unchanged)."""
    return _CACHE.get()


@receiver([post_save, post_delete], sender=FieldDefinition)
@receiver(m2m_changed, sender=FieldDefinition.categories.through)
def _definitions_changed(sender: type[Any], **kwargs: Any) -> None:
    bump(GENERATION)

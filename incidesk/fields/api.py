"""The custom field definitions over the API: what a script or a form needs to send and read
`custom` values (code, type, choices, which kinds and categories, required when, who sees and
fills them), labels in the request's language and both languages besides.

Desk staff get every definition, retired ones too (`active: false`: their stored values are
still listed, filtered and exported); a customer gets only the active ones customers see.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from incidesk.accounts.auth import api_user
from incidesk.catalog.models import Category
from incidesk.fields import definitions
from incidesk.fields.definitions import Definition
from incidesk.fields.models import FieldType

router = Router(tags=["custom fields"])


class ChoiceOut(Schema):
    code: str
    label: str
    label_ru: str
    label_en: str


class FieldDefinitionOut(Schema):
    """`label` is in the request's language. Empty `kinds` or `categories`: every one."""

    code: str
    label: str
    label_ru: str
    label_en: str
    type: FieldType
    choices: list[ChoiceOut]
    kinds: list[str]
    categories: list[str] = Field(description="Category codes.")
    required_on_create: bool
    required_on_resolve: bool
    customer_visible: bool
    customer_fillable: bool
    active: bool


class DefinitionFilters(Schema):
    kind: str | None = Field(None, description="Only the fields of incidents of this kind.")
    category: str | None = Field(
        None, description="Only the fields of incidents in this category (its code)."
    )


@router.get("/custom-fields", response=list[FieldDefinitionOut], summary="Custom field definitions")
def custom_fields(
    request: HttpRequest, filters: Query[DefinitionFilters]
) -> list[FieldDefinitionOut]:
    """In the administrators' order. With `kind` or `category`, only the active fields an
    incident of that kind and category has (what a registration form would offer)."""
    user = api_user(request)
    found = [
        d
        for d in definitions.current().all
        if user.is_desk_staff or (d.active and d.customer_visible)
    ]
    named = set[int]().union(*(d.categories for d in found))
    codes = dict(
        Category.objects.filter(Q(pk__in=named) | Q(code=filters.category or "")).values_list(
            "pk", "code"
        )
    )
    if filters.kind is not None or filters.category is not None:
        category = next((pk for pk, c in codes.items() if c == filters.category), None)
        kind = filters.kind
        found = [
            d
            for d in found
            if d.active
            and (kind is None or not d.kinds or kind in d.kinds)
            and (filters.category is None or not d.categories or category in d.categories)
        ]
    return [_out(d, codes) for d in found]


def _out(definition: Definition, codes: dict[int, str]) -> FieldDefinitionOut:
    return FieldDefinitionOut(
        code=definition.code,
        label=definition.label,
        label_ru=definition.label_ru,
        label_en=definition.label_en,
        type=definition.type,
        choices=[
            ChoiceOut(code=c.code, label=c.label, label_ru=c.ru, label_en=c.en)
            for c in definition.choices
        ],
        kinds=sorted(definition.kinds),
        categories=sorted(codes[pk] for pk in definition.categories if pk in codes),
        required_on_create=definition.required_on_create,
        required_on_resolve=definition.required_on_resolve,
        customer_visible=definition.customer_visible,
        customer_fillable=definition.customer_fillable,
        active=definition.active,
    )

"""The one check of custom field values against their definitions, for every surface: the
actions call it (registration, the edit verb, resolution), so the portal, the console, the API
and e-mail cannot differ.

Values are JSON: text and dates (ISO `YYYY-MM-DD`) as strings, numbers as numbers, one choice
as its code, several choices as a list of codes, yes/no as a boolean. Only the values sent are
checked against the definitions: stored values of a retired field or a removed choice are kept
as they are, never dropped or refused, so a definition change loses nothing.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from incidesk.core.errors import InvalidInput
from incidesk.core.text import clean_text
from incidesk.fields.definitions import Definition, Definitions
from incidesk.fields.models import FieldType
from incidesk.fields.queries import matches

MAX_TEXT_LENGTH = 2000


def error_key(code: str) -> str:
    """The name a field's error goes under (API `errors`, form errors)."""
    return f"custom.{code}"


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def checked(
    values: Mapping[str, Any],
    definitions: Definitions,
    *,
    kind: str,
    category_id: int | None,
    customer: bool,
) -> dict[str, Any]:
    """`values` (code → value; an empty value clears the field) converted to their stored form,
    or InvalidInput naming every failing field. A customer may send only fields they fill in."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for code, value in values.items():
        definition = definitions.get(code)
        if (
            definition is None
            or not definition.active
            or not definition.applies(kind, category_id)
            or (customer and not definition.customer_fillable)
        ):
            errors[error_key(code)] = _("There is no such field for this incident.")
            continue
        try:
            cleaned[code] = None if is_empty(value) else _converted(definition, value)
        except ValueError as error:
            errors[error_key(code)] = str(error)
    if errors:
        raise InvalidInput(next(iter(errors.values())), fields=dict(errors))
    return cleaned


def merged(stored: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The stored values with `changes` (from `checked`) applied; None removes a value."""
    result = dict(stored)
    for code, value in changes.items():
        if value is None:
            result.pop(code, None)
        else:
            result[code] = value
    return result


def require_filled(
    values: Mapping[str, Any],
    required: list[Definition],
    message: str,
    reason: str | None = None,
) -> None:
    """InvalidInput naming each required field without a value (in the active language):
    `message` with their labels, and `reason` (by default "required") at each field."""
    missing = [d for d in required if is_empty(values.get(d.code))]
    if missing:
        labels = ", ".join(f"«{d.label}»" for d in missing)
        at_field = reason or _("This field is required.")
        raise InvalidInput(
            message % {"labels": labels},
            fields={error_key(d.code): at_field for d in missing},
        )


def _converted(definition: Definition, value: Any) -> Any:  # noqa: C901  one branch per type
    kind = definition.type
    if kind == FieldType.TEXT:
        if not isinstance(value, str):
            raise ValueError(_("Enter text."))
        text = clean_text(value).strip()
        if len(text) > MAX_TEXT_LENGTH:
            raise ValueError(_("At most %(n)d characters.") % {"n": MAX_TEXT_LENGTH})
        return text or None
    if kind == FieldType.NUMBER:
        return _number(value)
    if kind == FieldType.DATE:
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    if kind == FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError(_("Enter yes or no (true or false)."))
        return value
    codes = {choice.code for choice in definition.choices}
    if kind == FieldType.CHOICE:
        if not isinstance(value, str) or value not in codes:
            raise ValueError(_("Choose one of the offered values."))
        return value
    if not isinstance(value, list) or not all(isinstance(v, str) and v in codes for v in value):
        raise ValueError(_("Choose from the offered values."))
    return [c.code for c in definition.choices if c.code in value] or None


def _number(value: Any) -> int | float:
    """An integer stays an integer; JSON numbers and decimal strings (forms) are accepted."""
    if isinstance(value, bool):
        raise ValueError(_("Enter a number."))
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise ValueError(_("Enter a number."))
    as_float = float(number)
    if math.isfinite(as_float) and number == number.to_integral_value():
        return int(number)
    return as_float


def filter_condition(pairs: list[str], definitions: Definitions, *, customer: bool) -> Q:
    """List filters `code:value`, all of which must hold, as one condition on `Incident.custom`
    (`fields.queries.matches`: a several-choices field matches when its list holds the value),
    or InvalidInput naming `custom`: an unknown field, one the customer does not see, or a value
    of the wrong type."""
    condition = Q()
    for pair in pairs:
        code, _sep, text = pair.partition(":")
        definition = definitions.get(code)
        if definition is None or (customer and not definition.customer_visible):
            raise InvalidInput.field(
                "custom", _("There is no such field: %(code)s.") % {"code": code}
            )
        condition &= matches(definition, _filter_value(definition, text))
    return condition


def _filter_value(definition: Definition, text: str) -> Any:
    """A filter's text as the stored value it matches."""
    if definition.type == FieldType.BOOLEAN:
        return text.lower() in ("true", "1", "yes")
    if definition.type != FieldType.NUMBER:
        return text
    try:
        return _number(text)
    except ValueError as error:
        raise InvalidInput.field("custom", str(error)) from None

"""Keyset (cursor) pagination: a page costs the same at row 10 and at row 10 million.

The cursor is an opaque URL-safe base64 string holding the ordering name and the last row's
ordering values, the primary key last. The next page is "rows after that tuple", which the
(field..., id) indexes serve without an OFFSET scan or a COUNT. Every ordering ends with `id` in
the direction of its first field, so the order is total and no row is skipped or repeated when
rows share a timestamp or priority. Ordering fields must be non-null.
"""

from __future__ import annotations

import base64
import binascii
import json
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any, Generic, TypeVar, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Field, Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from incidesk.core.errors import InvalidInput

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _keys(ordering: str) -> list[tuple[str, bool]]:
    """`"-created_at"` -> [("created_at", True), ("id", True)]: (field, descending). Commas add
    tie-breakers in the same direction: `"resolution_due_at,priority"`."""
    descending = ordering.startswith("-")
    fields = ordering.removeprefix("-").split(",")
    return [(field, descending) for field in fields] + [("id", descending)]


def _encode(ordering: str, values: list[Any]) -> str:
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    raw = json.dumps({"o": ordering, "v": plain}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _invalid_cursor() -> InvalidInput:
    return InvalidInput.field("cursor", _("This cursor is invalid or belongs to another query."))


def _decode(model: type[Model], ordering: str, cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        keys = _keys(ordering)
        if data["o"] != ordering or len(data["v"]) != len(keys):
            raise _invalid_cursor()
        # Orderings name the model's own columns, never a reverse relation.
        return [
            cast(Field[Any, Any], model._meta.get_field(field)).to_python(value)
            for (field, _desc), value in zip(keys, data["v"], strict=True)
        ]
    except (binascii.Error, ValueError, KeyError, TypeError, DjangoValidationError) as exc:
        raise _invalid_cursor() from exc


def _after(keys: list[tuple[str, bool]], values: list[Any]) -> Q:
    """Rows strictly after `values` in the order `keys`: (a > x) OR (a = x AND b > y) ...,
    and a >= x: a range on the first key's index, which the database walks from x on (with
    the OR alone, SQLite collected every later row of each branch and sorted them: 1 s for
    page 20 of a million-incident queue)."""
    branches, equal = [], Q()
    for (field, descending), value in zip(keys, values, strict=True):
        branches.append(equal & Q(**{f"{field}__{'lt' if descending else 'gt'}": value}))
        equal &= Q(**{field: value})
    (first, descending), start = keys[0], values[0]
    return Q(**{f"{first}__{'lte' if descending else 'gte'}": start}) & reduce(
        operator.or_, branches
    )


def paginate(
    queryset: QuerySet[M],
    *,
    ordering: str,
    cursor: str | None,
    limit: int,
    rows: QuerySet[M] | None = None,
    load: Callable[[list[Any]], list[M]] | None = None,
    first: Callable[[int], list[Any] | None] | None = None,
) -> Page[M]:
    """One page of `queryset` in `ordering` after `cursor`. Fetches `limit + 1` rows to learn
    whether another page exists; never counts.

    The page's ids are chosen first on bare rows, then the rows are loaded by id from `rows`
    (default: `queryset`), which carries the joins. So a broad search sorts narrow rows and joins
    only the page; `rows` may be unfiltered, as the ids were already chosen through `queryset`.
    Or `load` reads the rows of the ids it is given, in any order (a statement kept compiled:
    `console.queues.load_rows`), and they are put in the ids' order here. Without a cursor,
    `first(limit + 1)` may give the first page's ids, as `queryset` in `ordering` would (a
    statement kept compiled: `console.queues.all_open_first_ids`); None leaves it to `queryset`.
    """
    keys = _keys(ordering)
    order = [f"-{f}" if desc else f for f, desc in keys]
    page = queryset.order_by(*order)
    if cursor:
        page = page.filter(_after(keys, _decode(queryset.model, ordering, cursor)))
    found = first(limit + 1) if first is not None and not cursor else None
    ids = list(page.values_list("pk", flat=True)[: limit + 1]) if found is None else found
    if load is None:
        loaded = (queryset if rows is None else rows).filter(pk__in=ids[:limit]).order_by(*order)
        items = list(loaded)
    else:
        by_id = {item.pk: item for item in load(ids[:limit])} if ids else {}
        items = [by_id[pk] for pk in ids[:limit] if pk in by_id]
    next_cursor = None
    if len(ids) > limit:
        last = items[-1]
        next_cursor = _encode(ordering, [getattr(last, field) for field, _desc in keys])
    return Page(items=items, next_cursor=next_cursor)

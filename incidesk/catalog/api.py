"""Reference lists for pickers and scripts: active entries, in admin order, by stable code."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema

from incidesk.catalog.models import (
    Category,
    Cause,
    HoldReason,
    ReferenceEntry,
    ResolutionCode,
    Service,
)

router = Router(tags=["reference data"])


class EntryOut(Schema):
    """`name` is in the request's language; both names are given for editors and exports."""

    code: str
    name: str
    name_ru: str
    name_en: str


class TreeEntryOut(EntryOut):
    parent: str | None

    @staticmethod
    def resolve_parent(obj: Category | Cause) -> str | None:
        return obj.parent.code if obj.parent is not None else None


def _active(model: type[ReferenceEntry]) -> QuerySet:
    return model._default_manager.filter(is_active=True)


@router.get("/categories", response=list[TreeEntryOut], summary="Categories")
def categories(request: HttpRequest) -> QuerySet[Category]:
    return _active(Category).select_related("parent")


@router.get("/services", response=list[EntryOut], summary="Services")
def services(request: HttpRequest) -> QuerySet[Service]:
    return _active(Service)


@router.get("/causes", response=list[TreeEntryOut], summary="Causes")
def causes(request: HttpRequest) -> QuerySet[Cause]:
    return _active(Cause).select_related("parent")


@router.get("/hold-reasons", response=list[EntryOut], summary="Hold reasons")
def hold_reasons(request: HttpRequest) -> QuerySet[HoldReason]:
    return _active(HoldReason)


@router.get("/resolution-codes", response=list[EntryOut], summary="Resolution codes")
def resolution_codes(request: HttpRequest) -> QuerySet[ResolutionCode]:
    return _active(ResolutionCode)

"""Request and response shapes of the problems API. People travel by e-mail, reference data by
code, incidents and problems by number; every input schema refuses unknown fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema

from incidesk.incidents.schemas import Code, Email, LongText, Number, Strict, Title
from incidesk.incidents.status import Status
from incidesk.problems.models import PreventiveAction, Problem, ProblemEvent, ProblemEventKind
from incidesk.problems.recurrence import DEFAULT_WEEKS, MAX_WEEKS, Rates
from incidesk.problems.status import ProblemStatus, allowed_verbs

Weeks = Annotated[int, Field(ge=1, le=MAX_WEEKS)]

# --- input -------------------------------------------------------------------------------------


class ProblemIn(Strict):
    title: Title
    description: LongText = ""
    root_cause: LongText = ""
    workaround: LongText = ""
    owner: Email | None = Field(None, description="E-mail of a desk member; default: you.")
    category: Code | None = Field(None, description="Category code: its incidents are recurrences.")
    service: Code | None = Field(None, description="Service code: its incidents are recurrences.")


class ProblemPatch(Strict):
    """Changed fields only. `owner`, `category` and `service` may be cleared with null."""

    # The default None means "not sent", not null, as in `incidents.schemas.IncidentPatch`.
    title: Title = None  # type: ignore[assignment]
    description: LongText = None  # type: ignore[assignment]
    root_cause: LongText = None  # type: ignore[assignment]
    workaround: LongText = None  # type: ignore[assignment]
    owner: Email | None = None
    category: Code | None = None
    service: Code | None = None


class ProblemFilters(Schema):
    status: list[ProblemStatus] | None = None
    owner: Email | None = Field(None, description="Owner e-mail.")
    q: Annotated[str, Field(max_length=200)] | None = Field(None, description="Words to find.")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, description="`next_cursor` of the previous page.")


class KnownErrorIn(Strict):
    workaround: LongText = Field("", description="Replaces the recorded workaround if given.")


class ResolveProblemIn(Strict):
    """`resolve_incidents` resolves every open linked incident too, with `notes` for their
    customers and the `cause` and `resolution_code` given (all three then required)."""

    notes: LongText = ""
    resolve_incidents: bool = False
    cause: Code | None = None
    resolution_code: Code | None = None


class ReopenProblemIn(Strict):
    reason: LongText = ""


class LinkIncidentsIn(Strict):
    incidents: list[Number] = Field(min_length=1, max_length=500)


class PreventiveActionIn(Strict):
    title: Title
    owner: Email
    due_date: dt.date | None = None


class ActionDoneIn(Strict):
    done: bool = True


class RecurrenceQuery(Schema):
    weeks: Weeks = DEFAULT_WEEKS


class RecurrenceReportQuery(Schema):
    date: dt.date = Field(description="The split date (start of that day in the desk's time zone).")
    weeks: Weeks = DEFAULT_WEEKS
    cause: Code | None = Field(None, description="Only incidents with this cause (or a child).")
    category: Code | None = Field(None, description="Only this category (or its children).")


# --- output ------------------------------------------------------------------------------------


class ProblemOut(Schema):
    number: str
    title: str
    description: str
    root_cause: str
    workaround: str
    status: ProblemStatus
    owner: str | None
    category: str | None
    service: str | None
    resolution_notes: str
    incident_count: int
    created_at: dt.datetime
    updated_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    allowed_actions: list[str]

    @staticmethod
    def resolve_owner(obj: Problem) -> str | None:
        return obj.owner.email if obj.owner is not None else None

    @staticmethod
    def resolve_category(obj: Problem) -> str | None:
        return obj.category.code if obj.category is not None else None

    @staticmethod
    def resolve_service(obj: Problem) -> str | None:
        return obj.service.code if obj.service is not None else None

    @staticmethod
    def resolve_allowed_actions(obj: Problem, context: dict[str, Any]) -> list[str]:
        return [verb.name for verb in allowed_verbs(obj, context["request"].auth)]


class ProblemPage(Schema):
    items: list[ProblemOut]
    next_cursor: str | None


class LinkedIncidentOut(Schema):
    number: str
    title: str
    status: Status
    created_at: dt.datetime
    resolved_at: dt.datetime | None


class PreventiveActionOut(Schema):
    id: int
    title: str
    owner: str
    due_date: dt.date | None
    done: bool
    done_at: dt.datetime | None

    @staticmethod
    def resolve_owner(obj: PreventiveAction) -> str:
        return obj.owner.email


class ProblemEventOut(Schema):
    id: int
    kind: ProblemEventKind
    at: dt.datetime
    actor: str | None
    data: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: ProblemEvent) -> str | None:
        return obj.actor.email if obj.actor is not None else None


class RatesOut(Schema):
    """Counts in two windows of `weeks` weeks each, before and after `split`, and the rates
    (incidents per week; null while no time has passed since `split`)."""

    split: dt.datetime
    weeks: float
    before: int
    after: int
    before_rate: float | None
    after_rate: float | None
    change_percent: float | None

    @staticmethod
    def resolve_weeks(obj: Rates) -> float:
        return round(obj.weeks, 2)


class ProblemRecurrenceOut(Schema):
    fixed_at: dt.datetime | None = Field(description="When the last preventive action was done.")
    actions_done: int
    actions_total: int
    rates: RatesOut | None


class GroupRatesOut(Schema):
    code: str | None
    name: str
    rates: RatesOut


class RecurrenceReportOut(Schema):
    causes: list[GroupRatesOut]
    categories: list[GroupRatesOut]

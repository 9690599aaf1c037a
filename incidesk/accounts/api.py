"""Who am I, and the teams incidents are assigned to."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema

from incidesk.accounts.auth import api_user
from incidesk.accounts.models import Role, Team, User

router = Router(tags=["accounts"])


class MeOut(Schema):
    email: str
    full_name: str
    phone: str
    role: Role
    organisation: int | None
    organisation_name: str | None
    teams: list[str]
    language: str
    time_zone: str

    @staticmethod
    def resolve_organisation(obj: User) -> int | None:
        return obj.organisation_id

    @staticmethod
    def resolve_organisation_name(obj: User) -> str | None:
        return obj.organisation.name if obj.organisation is not None else None

    @staticmethod
    def resolve_teams(obj: User) -> list[str]:
        return list(obj.teams.values_list("code", flat=True))


class TeamOut(Schema):
    code: str
    name: str


@router.get("/me", response=MeOut, summary="The calling user")
def me(request: HttpRequest) -> User:
    return api_user(request)


@router.get("/teams", response=list[TeamOut], summary="Teams")
def teams(request: HttpRequest) -> QuerySet[Team]:
    return Team.objects.all()

from typing import TYPE_CHECKING, Any

import factory

from incidesk.accounts.models import Organisation, Role, Team, User

# Calling a factory returns the model it built (factory_boy's metaclass), but its types say the
# factory: each factory tells mypy what calling it returns.


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    if TYPE_CHECKING:

        def __new__(cls, *args: Any, **kwargs: Any) -> Organisation: ...  # type: ignore[misc]

    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"ООО Ромашка {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    if TYPE_CHECKING:

        def __new__(cls, *args: Any, **kwargs: Any) -> User: ...  # type: ignore[misc]

    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Пользователь {n}")
    role = Role.CUSTOMER
    password = factory.django.Password("secret-pass-123")


class CustomerFactory(UserFactory):
    role = Role.CUSTOMER
    organisation = factory.SubFactory(OrganisationFactory)


class AgentFactory(UserFactory):
    role = Role.AGENT


class LeadFactory(UserFactory):
    role = Role.LEAD


class AdminFactory(UserFactory):
    role = Role.ADMIN


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    if TYPE_CHECKING:

        def __new__(cls, *args: Any, **kwargs: Any) -> Team: ...  # type: ignore[misc]

    class Meta:
        model = Team
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Линия {n}")
    code = factory.Sequence(lambda n: f"team-{n}")

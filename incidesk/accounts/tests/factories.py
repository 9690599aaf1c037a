import factory

from incidesk.accounts.models import Organisation, Role, Team, User


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"ООО Ромашка {n}")


class UserFactory(factory.django.DjangoModelFactory):
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


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Линия {n}")
    code = factory.Sequence(lambda n: f"team-{n}")

import pytest

from incidesk.accounts.contacts import contact_for
from incidesk.accounts.models import Role
from incidesk.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_unknown_address_becomes_a_passwordless_customer():
    contact = contact_for("  Ivan.Petrov@Example.COM ", "Иван Петров", language="en")
    assert contact.email == "ivan.petrov@example.com"
    assert contact.full_name == "Иван Петров"
    assert contact.role == Role.CUSTOMER
    assert contact.language == "en"
    assert not contact.has_usable_password()


def test_known_address_returns_the_account_unchanged():
    agent = UserFactory(email="agent@example.com", role=Role.AGENT, full_name="Агент")
    assert contact_for("AGENT@example.com", "Someone else") == agent
    agent.refresh_from_db()
    assert agent.full_name == "Агент"

"""Custom field values in the customer's mail (over a real SMTP server, aiosmtpd): the
registration's acknowledgement and the resolution carry the values customers see, in the
customer's language; a field customers do not see never reaches them."""

import pytest

from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory
from incidesk.catalog.models import Cause, ResolutionCode
from incidesk.fields.models import FieldType
from incidesk.fields.tests.factories import SEVERITY, make_field
from incidesk.incidents import actions

pytestmark = pytest.mark.django_db

INTERNAL = "сервер-бухгалтерии-07"


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


@pytest.fixture
def fields():
    make_field(
        "serial",
        label_ru="Заводской номер",
        label_en="Serial number",
        customer_visible=True,
        customer_fillable=True,
    )
    make_field(
        "severity",
        FieldType.CHOICE,
        choices=SEVERITY,
        label_ru="Серьёзность",
        label_en="Severity",
        customer_visible=True,
    )
    make_field("host", label_ru="Узел", label_en="Host")  # the desk's own


def test_the_customer_reads_the_values_they_see_never_internal_ones(smtp, act, fields):
    customer, agent = CustomerFactory(language="en"), AgentFactory()
    incident = act(
        actions.do_create_incident,
        actor=customer,
        title="Scanner",
        custom={"serial": "SN-1 & <2>"},
    )
    (acknowledgement,) = smtp.to(customer.email)
    assert "Serial number: SN-1 & <2>" in _text(acknowledgement)
    assert "SN-1 &amp; &lt;2&gt;" in _html(acknowledgement)
    incident = act(actions.do_accept, incident, actor=agent)
    incident = act(
        actions.do_set_custom_fields,
        incident,
        actor=agent,
        values={"severity": "high", "host": INTERNAL},
    )
    act(
        actions.do_resolve,
        incident,
        actor=agent,
        cause=Cause.objects.get(code="software_error"),
        resolution_code=ResolutionCode.objects.get(code="workaround"),
        notes="Updated the driver.",
    )
    resolved = next(m for m in smtp.to(customer.email) if "has been resolved" in _text(m))
    for body in (_text(resolved), _html(resolved)):
        assert "Severity" in body and "High" in body and "Serial number" in body
    for mail in smtp.to(customer.email):
        assert INTERNAL not in mail.as_string() and "Host" not in _text(mail)

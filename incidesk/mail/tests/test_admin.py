"""Admins read the outgoing mail log and the received messages, kept failures included."""

import pytest
from django.urls import reverse

from incidesk.accounts.tests.factories import AdminFactory
from incidesk.mail.inbound import receive
from incidesk.mail.models import InboundMessage, OutgoingMail
from incidesk.mail.tests.conftest import corpus
from incidesk.notifications.tasks import deliver_notifications

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(AdminFactory())
    return client


def test_received_messages_and_sent_mail_are_listed_read_only(admin_client, ivan):
    incident = receive(corpus("utf8_qp.eml"), source="imap").incident
    failed = receive(corpus("no_sender.eml"), source="stdin")
    deliver_notifications.call(list(incident.events.values_list("pk", flat=True)))
    sent = OutgoingMail.objects.get()
    for model, obj in ((InboundMessage, failed), (OutgoingMail, sent)):
        name = f"admin:mail_{model._meta.model_name}"
        listing = admin_client.get(reverse(f"{name}_changelist"))
        assert listing.status_code == 200
        page = admin_client.get(reverse(f"{name}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert admin_client.post(reverse(f"{name}_delete", args=[obj.pk])).status_code == 403
    page = admin_client.get(reverse("admin:mail_inboundmessage_change", args=[failed.pk]))
    assert "Письмо без отправителя." in page.content.decode()
    assert failed.reason in page.content.decode()

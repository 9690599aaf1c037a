"""Two-factor sign-in for staff through the test client: codes are computed here from the
shared secret, as an authenticator app would (django_otp.oath.totp)."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from incidesk.accounts.models import ApiToken
from incidesk.accounts.tests.factories import (
    AdminFactory,
    AgentFactory,
    CustomerFactory,
    LeadFactory,
)
from incidesk.mfa import devices
from incidesk.mfa.models import RecoveryCode, SecondFactorReset
from incidesk.mfa.views import ENROL_KEY
from incidesk.settings import mfa_required_roles

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_limit_window")]

PASSWORD = "secret-pass-123"
CONSOLE = "/console/"
# `rate_limit_window` stops the clock at 10:00; the app's failure delay and the code's time
# step pass when the test moves it on.
A_MINUTE_ON = "2026-03-02 10:01:00+03:00"
TEN_MINUTES_ON = "2026-03-02 10:10:00+03:00"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key):06d}"


def enrolled(user) -> TOTPDevice:
    """A person who set up an app a minute ago (that minute's codes are used up)."""
    key = default_key()
    return devices.enrol(user, key, step=0)


def signed_in(user, address: str = "198.51.100.4") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)
    response = client.post(reverse("web:login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, "the password is right"
    return client


def test_password_then_code_then_console(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    agent = AgentFactory()
    device = enrolled(agent)
    client = signed_in(agent)

    sent = client.get(CONSOLE)
    assert sent.status_code == 302
    assert sent["Location"] == reverse("mfa:verify") + "?next=%2Fconsole%2F"
    verified = client.post(reverse("mfa:verify"), {"code": code_for(device), "next": CONSOLE})
    assert verified.status_code == 302 and verified["Location"] == CONSOLE
    assert client.get(CONSOLE).status_code == 200


def test_without_the_code_no_staff_page_and_no_session_api(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["admin"]
    admin = AdminFactory()
    device = enrolled(admin)
    client = signed_in(admin)
    for path in (CONSOLE, "/reports/", "/admin/", "/admin/accounts/user/"):
        refused = client.get(path)
        assert refused.status_code == 302, path
        assert refused["Location"].startswith(reverse("mfa:verify")), path
    assert client.get("/api/v1/incidents").status_code == 401
    # A fragment a page polls for takes the whole page to the code step, and back after it.
    fragment = client.get(
        "/notifications/bell/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/console/?queue=mine",
    )
    assert fragment.status_code == 204
    assert fragment["HX-Redirect"] == reverse("mfa:verify") + "?next=%2Fconsole%2F%3Fqueue%3Dmine"
    wrong = client.post(reverse("mfa:verify"), {"code": "000000"})
    assert wrong.status_code == 422
    assert "Код неверный" in wrong.content.decode()  # the person's language: Russian
    assert client.get(CONSOLE).status_code == 302
    # A bearer token is no session: scripts keep working.
    token = ApiToken.issue(admin)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/incidents").status_code == 200
    # The second wrong-then-right: the app's failure delay has passed.
    with time_machine.travel(A_MINUTE_ON, tick=False):
        assert client.post(reverse("mfa:verify"), {"code": code_for(device)}).status_code == 302
        assert client.get("/admin/").status_code == 200
        assert client.get("/api/v1/incidents").status_code == 200


def test_enrolment_shows_a_qr_code_and_the_recovery_codes_once(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["lead"]
    lead = LeadFactory()
    client = signed_in(lead)
    sent = client.get(CONSOLE)
    assert sent["Location"].startswith(reverse("mfa:enrol"))
    page = client.get(sent["Location"])
    html = page.content.decode()
    assert re.search(r'<img src="data:image/svg\+xml[^"]+"', html)
    assert "script-src 'self'" in page["Content-Security-Policy"]
    key = client.session[ENROL_KEY]
    assert client.post(reverse("mfa:enrol"), {"code": "123"}).status_code == 422
    with time_machine.travel(A_MINUTE_ON, tick=False):
        code = f"{totp(bytes.fromhex(key)):06d}"
        shown = client.post(reverse("mfa:enrol"), {"code": code, "next": CONSOLE})
        assert shown.status_code == 200
        codes = shown.context["codes"]
        assert len(codes) == devices.RECOVERY_CODES
        assert all(code in shown.content.decode() for code in codes)
        assert client.get(CONSOLE).status_code == 200
        assert TOTPDevice.objects.get(user=lead).confirmed
        # The code just used at enrolment cannot sign anyone in again.
        other = signed_in(lead, "198.51.100.9")
        assert other.post(reverse("mfa:verify"), {"code": code}).status_code == 422
    # New codes replace the old ones.
    fresh = client.post(reverse("mfa:recovery_codes")).context["codes"]
    assert not set(fresh) & set(codes)
    assert RecoveryCode.objects.filter(device__user=lead).count() == len(fresh)


def test_a_recovery_code_works_once(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    agent = AgentFactory()
    enrolled(agent)
    recovery = devices.new_recovery_codes(agent)[0]

    first = signed_in(agent)
    assert first.post(reverse("mfa:verify"), {"code": recovery.upper()}).status_code == 302
    assert first.get(CONSOLE).status_code == 200
    second = signed_in(agent, "198.51.100.5")
    assert second.post(reverse("mfa:verify"), {"code": recovery}).status_code == 422
    assert second.get(CONSOLE).status_code == 302


def test_customers_are_never_asked(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent", "lead", "admin"]
    customer = CustomerFactory()
    client = signed_in(customer)
    assert client.get("/").status_code == 302
    assert client.get(reverse("portal:home"), follow=True).status_code == 200
    assert client.get(reverse("mfa:verify")).status_code == 403


def test_staff_not_required_and_not_enrolled_go_on(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["admin"]
    client = signed_in(AgentFactory())
    assert client.get(CONSOLE).status_code == 200


def test_an_enrolled_agent_is_asked_even_when_not_required(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = []
    agent = AgentFactory()
    enrolled(agent)
    assert signed_in(agent).get(CONSOLE)["Location"].startswith(reverse("mfa:verify"))


def test_an_admin_reset_is_recorded_and_the_person_enrols_again(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    agent = AgentFactory()
    enrolled(agent)
    devices.new_recovery_codes(agent)
    admin = AdminFactory(email="chief@example.com")
    desk_admin = signed_in(admin)
    done = desk_admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [agent.pk]},
        follow=True,
    )
    assert agent.email in done.content.decode()
    reset = SecondFactorReset.objects.get()
    assert (reset.user, reset.reset_by) == (agent, admin)
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert not RecoveryCode.objects.filter(device__user=agent).exists()
    listed = desk_admin.get(reverse("admin:mfa_secondfactorreset_changelist"))
    assert str(agent) in listed.content.decode() and str(admin) in listed.content.decode()
    assert signed_in(agent).get(CONSOLE)["Location"].startswith(reverse("mfa:enrol"))


def test_wrong_codes_are_rate_limited_per_account(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    settings.INCIDESK_RATE_MFA_USER = "3/h"
    agent = AgentFactory()
    device = enrolled(agent)
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        assert (
            signed_in(agent, address).post(reverse("mfa:verify"), {"code": "1"}).status_code == 422
        )
    # Refused before the code is looked at, right as it is.
    limited = signed_in(agent, "198.51.100.7").post(
        reverse("mfa:verify"), {"code": code_for(device)}
    )
    assert limited.status_code == 429
    assert "Слишком много запросов" in limited.content.decode()  # in the person's language


def test_wrong_codes_count_as_failed_sign_ins(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    settings.AXES_FAILURE_LIMIT = 3
    agent = AgentFactory()
    device = enrolled(agent)
    client = signed_in(agent)
    for _ in range(2):
        assert client.post(reverse("mfa:verify"), {"code": "999999"}).status_code == 422
    locked = client.post(reverse("mfa:verify"), {"code": "999999"})
    assert locked.status_code in (403, 429)
    with time_machine.travel(TEN_MINUTES_ON, tick=False):
        refused = client.post(reverse("mfa:verify"), {"code": code_for(device)})
        assert refused.status_code in (403, 429)
        assert client.get(CONSOLE).status_code == 302
        # The password step is locked too, for that account from that address.
        again = Client(REMOTE_ADDR="198.51.100.4").post(
            reverse("web:login"), {"username": agent.email, "password": PASSWORD}
        )
        assert again.status_code in (403, 429)


def test_a_reset_ends_the_persons_sessions(settings):
    """A session left open on a lost laptop must not be let into enrolment after the reset."""
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    agent = AgentFactory()
    device = enrolled(agent)
    lost_laptop = signed_in(agent)
    with time_machine.travel(A_MINUTE_ON, tick=False):
        lost_laptop.post(reverse("mfa:verify"), {"code": code_for(device)})
    assert lost_laptop.get(CONSOLE).status_code == 200
    devices.reset(agent, actor=AdminFactory())
    assert lost_laptop.get(CONSOLE)["Location"].startswith(reverse("web:login"))
    assert lost_laptop.get(reverse("mfa:enrol"))["Location"].startswith(reverse("web:login"))
    assert signed_in(agent).get(CONSOLE)["Location"].startswith(reverse("mfa:enrol"))


def test_a_session_signed_in_before_enrolment_ends_with_it(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = []
    agent = AgentFactory()
    other = signed_in(agent, "198.51.100.8")
    assert other.get(CONSOLE).status_code == 200
    client = signed_in(agent)
    client.get(reverse("mfa:enrol"))
    key = client.session[ENROL_KEY]
    assert (
        client.post(reverse("mfa:enrol"), {"code": f"{totp(bytes.fromhex(key)):06d}"}).status_code
        == 200
    )
    assert client.get(CONSOLE).status_code == 200
    assert other.get(CONSOLE)["Location"].startswith(reverse("web:login"))


def test_the_required_roles_are_staff_roles_spelt_right():
    assert mfa_required_roles({"INCIDESK_MFA_REQUIRED_ROLES": " lead, admin "}) == ["lead", "admin"]
    assert mfa_required_roles({}) == []
    for wrong in ("customer", "agent,admins"):
        with pytest.raises(ImproperlyConfigured, match="INCIDESK_MFA_REQUIRED_ROLES"):
            mfa_required_roles({"INCIDESK_MFA_REQUIRED_ROLES": wrong})

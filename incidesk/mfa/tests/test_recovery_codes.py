"""Recovery codes are kept only as keyed hashes: shown once, each works once, for its own
person only, through a key rotation; the plain codes django-otp kept are moved over by the
migration. Each attempt lands in the sign-in log with the factor tried."""

from __future__ import annotations

import importlib

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from incidesk.accounts.models import SecondFactor, SignInEvent, SignInMethod
from incidesk.accounts.tests.factories import AgentFactory
from incidesk.mfa import devices
from incidesk.mfa.models import RecoveryCode, RecoveryCodeDevice
from incidesk.mfa.recovery import hash_code
from incidesk.mfa.tests.test_two_factor import A_MINUTE_ON, code_for, enrolled, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rate_limit_window")]


def test_only_keyed_hashes_are_stored():
    agent = AgentFactory()
    codes = devices.new_recovery_codes(agent)
    assert len(set(codes)) == devices.RECOVERY_CODES
    assert all(len(code) == 10 and not code.isdigit() for code in codes)
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert stored == {hash_code(agent.pk, code) for code in codes}
    assert not any(code in digest for code in codes for digest in stored)


def test_a_code_is_typed_in_any_case_with_spaces_or_dashes_and_works_once():
    agent = AgentFactory()
    code = devices.new_recovery_codes(agent)[3]
    typed = f"{code[:5].upper()}-{code[5:]} "
    assert isinstance(devices.device_for_code(agent, typed), RecoveryCodeDevice)
    assert devices.device_for_code(agent, code) is None
    assert RecoveryCode.objects.filter(device__user=agent).count() == devices.RECOVERY_CODES - 1


def test_a_code_is_only_its_persons(settings):
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    owner, other = AgentFactory(), AgentFactory()
    code = devices.new_recovery_codes(owner)[0]
    devices.new_recovery_codes(other)
    # Even the owner's stored hash copied to the other person's set opens nothing for them.
    RecoveryCode.objects.create(
        device=RecoveryCodeDevice.objects.get(user=other), digest=hash_code(owner.pk, code)
    )
    assert devices.device_for_code(other, code) is None
    assert devices.device_for_code(owner, code) is not None


def test_codes_survive_a_secret_key_rotation(settings):
    agent = AgentFactory()
    code = devices.new_recovery_codes(agent)[0]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-" + "x" * 30
    assert devices.device_for_code(agent, code) is not None


def test_wrong_codes_are_throttled_by_the_device():
    agent = AgentFactory()
    code = devices.new_recovery_codes(agent)[0]
    assert devices.device_for_code(agent, "wrongcode1") is None
    # Within the back-off after a failure even a right code is not looked at.
    assert devices.device_for_code(agent, code) is None
    assert RecoveryCode.objects.filter(device__user=agent).count() == devices.RECOVERY_CODES


def test_the_migration_hashes_django_otps_plain_codes():
    agent = AgentFactory()
    old = StaticDevice.objects.create(user=agent, name="recovery", confirmed=True)
    StaticToken.objects.bulk_create(
        StaticToken(device=old, token=token) for token in ("abcdefgh", "ijklmnop")
    )
    migration = importlib.import_module("incidesk.mfa.migrations.0002_hashed_recovery_codes")
    migration.hash_recovery_codes(apps, None)

    assert not StaticDevice.objects.exists() and not StaticToken.objects.exists()
    assert not RecoveryCode.objects.filter(digest__in=["abcdefgh", "ijklmnop"]).exists()
    assert devices.device_for_code(agent, "IJKLMNOP") is not None
    assert RecoveryCode.objects.filter(device__user=agent).count() == 1


def test_the_sign_in_log_names_the_second_factor(settings):
    settings.INCIDESK_MFA_REQUIRED_ROLES = ["agent"]
    agent = AgentFactory()
    device = enrolled(agent)
    code = devices.new_recovery_codes(agent)[0]
    client = signed_in(agent)
    assert client.post(reverse("mfa:verify"), {"code": "notacode12"}).status_code == 422
    assert client.post(reverse("mfa:verify"), {"code": "999999"}).status_code == 422
    with time_machine.travel(A_MINUTE_ON, tick=False):  # past the devices' failure delay
        assert client.post(reverse("mfa:verify"), {"code": code}).status_code == 302
        other = signed_in(agent, "198.51.100.6")
        assert other.post(reverse("mfa:verify"), {"code": code_for(device)}).status_code == 302

    log = list(
        SignInEvent.objects.order_by("at", "pk").values_list("method", "second_factor", "succeeded")
    )
    password = SignInMethod.PASSWORD
    assert log == [
        (password, "", True),
        (password, SecondFactor.RECOVERY_CODE, False),
        (password, SecondFactor.TOTP, False),
        (password, SecondFactor.RECOVERY_CODE, True),
        (password, "", True),
        (password, SecondFactor.TOTP, True),
    ]
    assert set(SignInEvent.objects.values_list("user", flat=True)) == {agent.pk}

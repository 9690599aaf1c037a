"""Who needs a second factor, and the devices that give it: an authenticator app (TOTP) and a
set of one-time recovery codes, stored hashed (`RecoveryCodeDevice`); passkeys are in
`mfa.passkeys`. Views and the admin call these; nothing else creates or deletes devices."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidesk.accounts.models import SecondFactor, User
from incidesk.accounts.signals import end_sessions
from incidesk.mfa import passkeys
from incidesk.mfa.models import RecoveryCode, RecoveryCodeDevice, SecondFactorReset
from incidesk.mfa.recovery import hash_code, new_code, normalise

RECOVERY_CODES = 10


def is_required(user: User) -> bool:
    """Whether the admins require a second factor of this person's role (staff only)."""
    return user.is_desk_staff and user.role in settings.INCIDESK_MFA_REQUIRED_ROLES


def authenticator(user: User) -> TOTPDevice | None:
    """The person's confirmed authenticator app, if they have enrolled one."""
    device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device


def has_second_factor(user: User) -> bool:
    """Whether the person has something to give a second factor with: an authenticator app or
    a passkey (recovery codes only stand in for one of these)."""
    return authenticator(user) is not None or passkeys.has_passkey(user)


def has_recovery_codes(user: User) -> bool:
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).exists()


def code_matches(key: str, code: str) -> int | None:
    """The time step at which `code` is right for the hex secret `key` (one step of clock
    skew either way), or None."""
    totp = TOTP(bytes.fromhex(key))
    digits = code.strip().replace(" ", "")
    if not digits.isdigit() or not totp.verify(int(digits), tolerance=1):
        return None
    step: int = totp.t()
    return step


def factor_tried(code: str) -> SecondFactor:
    """Which second factor a typed code is meant for: digits are the app's, anything else a
    recovery code."""
    return SecondFactor.TOTP if normalise(code).isdigit() else SecondFactor.RECOVERY_CODE


def factor_of(device: Device) -> SecondFactor:
    """The second factor a device gives, for the sign-in log."""
    if isinstance(device, RecoveryCodeDevice):
        return SecondFactor.RECOVERY_CODE
    return SecondFactor.TOTP


def device_for_code(user: User, code: str) -> TOTPDevice | RecoveryCodeDevice | None:
    """The device that accepts `code` (a recovery code is used up by this). Only the device the
    code is meant for is tried, so a recovery code does not count against the app's failure
    delay, nor an app code against the codes'."""
    code = normalise(code)
    if factor_tried(code) == SecondFactor.TOTP:
        device: TOTPDevice | RecoveryCodeDevice | None = authenticator(user)
    else:
        device = RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()
    return device if device is not None and device.verify_token(code) else None


@transaction.atomic
def enrol(user: User, key: str, *, step: int, session_key: str | None = None) -> TOTPDevice:
    """Make `key` the person's authenticator (replacing any earlier one); the code just used
    (`step`) cannot be used again. The person's other sessions (not `session_key`, the one
    enrolling) end: they signed in without a code and would go on without one."""
    TOTPDevice.objects.filter(user=user).delete()
    end_sessions(user, keep=session_key)
    device: TOTPDevice = TOTPDevice.objects.create(
        user=user, name="authenticator", key=key, confirmed=True, last_t=step
    )
    return device


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """Replace the person's recovery codes with fresh ones; each works once. Only their hashes
    are kept: the caller shows the codes this once."""
    device, _created = RecoveryCodeDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.codes.all().delete()
    codes = [new_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=hash_code(user.pk, code)) for code in codes
    )
    return codes


@transaction.atomic
def reset(user: User, *, actor: User) -> SecondFactorReset:
    """An admin's answer to a lost device: the authenticator, passkeys and recovery codes go,
    and the reset is recorded. The person's sessions end too: one left open on a lost laptop would
    otherwise be let into enrolment and could add its own authenticator. The person signs in
    again and enrols anew if their role requires it."""
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    passkeys.remove_all(user)
    end_sessions(user)
    return SecondFactorReset.objects.create(user=user, reset_by=actor)

"""The permission matrix: every route of the site and the API × nine principals, against the
table declared in `matrix.py`. A route nobody declared fails, a declaration whose route is gone
fails, every refused request must leave the database exactly as it was, and nothing served to
someone outside the desk may show an internal note or file, or an incident they may not see.

One world per module (`matrix_world.build_world`, built inside a transaction that is rolled back
at the end); each case runs in its own savepoint, so an allowed write never leaks into the next.
"""

import pytest
from django.db import transaction
from django.test import Client, override_settings

from incidesk.core.tests import matrix_world as mw
from incidesk.core.tests.matrix import BODIES, MATRIX, VARIANTS, row

ROUTES = mw.all_routes()
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("matrix-media")
    outer = transaction.atomic()
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHER),
    ):
        outer.__enter__()
        try:
            built = mw.build_world()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    built.media = media
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Replaces the project's: its per-test media folder would hide the world's files. The desk
    is at an address with passkeys, so their routes are called past that check."""
    settings.PASSWORD_HASHERS = FAST_HASHER
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://localhost:8000"]


@pytest.fixture
def desk(settings, world):
    """The world, its files where the storage looks for them."""
    settings.MEDIA_ROOT = world.media
    return world


def declared(route: mw.Route) -> str:
    line = MATRIX.get(route.key) or MATRIX.get(route.base_key)
    if line is None:
        pytest.fail(
            f"{route.key} is not in the permission matrix. Declare what each principal gets in "
            f'incidesk/core/tests/matrix.py, e.g. "{route.base_key}": DESK,'
        )
    return line


def check(world: mw.World, route: mw.Route, principal: str, expected: str, swap=None) -> None:
    who = world.principals[principal]
    path = mw.path_of(world, who, route, swap)
    template = BODIES.get(route.key, BODIES.get(route.base_key))
    body = mw.substitute(template, world, who, route)
    before = mw.footprint()
    response = mw.call(mw.client_for(who), who, route, path, body)
    got = mw.outcome(response)
    served = mw.content(response)  # reading a streamed body also closes it
    assert got == expected, (
        f"{route.key} as {principal} ({route.method} {path}): expected {expected}, got {got} "
        f"(HTTP {response.status_code})"
    )
    leaked = [secret for secret in mw.secrets(world, who, route) if secret in served]
    assert not leaked, f"{route.key} as {principal} ({path}) shows {leaked}"
    if got in mw.REFUSALS:
        assert mw.footprint() == before, f"{route.key} as {principal} was refused but wrote"


@pytest.mark.django_db
@pytest.mark.parametrize("principal", mw.PRINCIPALS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.key)
def test_matrix(desk, route, principal):
    check(desk, route, principal, row(declared(route))[principal])


@pytest.mark.django_db
@pytest.mark.parametrize("principal", mw.PRINCIPALS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_someone_elses_object(desk, variant, principal):
    key, swap, line = VARIANTS[variant]
    route = next(route for route in ROUTES if route.key == key)
    check(desk, route, principal, row(line)[principal], swap)


def stale(routes: list[mw.Route], matrix: dict, variants: dict, bodies: dict) -> list[str]:
    """Declarations whose route no longer exists."""
    keys = {route.key for route in routes} | {route.base_key for route in routes}
    return (
        sorted(set(matrix) - keys)
        + sorted(
            f"{name}: {key}" for name, (key, _swap, _row) in variants.items() if key not in keys
        )
        + sorted(f"body of {key}" for key in set(bodies) - keys)
    )


def test_every_declaration_names_a_route_that_exists():
    gone = stale(ROUTES, MATRIX, VARIANTS, BODIES)
    assert not gone, f"declared in incidesk/core/tests/matrix.py, but no such route: {gone}"


def test_the_matrix_notices_new_and_vanished_routes():
    new = mw.Route("GET", "portal:confirmation", ("number",))
    with pytest.raises(pytest.fail.Exception, match='"GET portal:confirmation": DESK'):
        declared(new)
    routes = [route for route in ROUTES if route.name != "portal:track"]
    assert stale(routes, MATRIX, VARIANTS, BODIES) == ["GET portal:track", "POST portal:track"]


def test_every_row_names_each_principal():
    for line in [*MATRIX.values(), *(line for _key, _swap, line in VARIANTS.values())]:
        assert set(row(line).values()) <= {"ok", "msg", *mw.REFUSALS}, line


@pytest.mark.django_db
@pytest.mark.parametrize("principal", mw.PRINCIPALS)
@pytest.mark.parametrize("path", ["/admin/", "/admin/incidents/incident/"])
def test_the_admin_is_for_admins_only(desk, principal, path):
    """The Django admin, every page of it, is one rule: admins in, everyone else to its login."""
    who = desk.principals[principal]
    client: Client = mw.client_for(who)
    got = mw.outcome(client.get(path))
    assert got == ("ok" if principal == "admin" else "login")

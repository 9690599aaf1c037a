"""Role gates for views. What a user may see inside a page is still decided by
`incidents.access`; these only keep customers out of desk pages and agents out of lead pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from incidesk.accounts.models import User

View = Callable[..., HttpResponse]


def signed_in(request: HttpRequest) -> User:
    """The person a gated view serves: behind `login_required` or a role gate, never anonymous."""
    assert isinstance(request.user, User)  # noqa: S101  the gate turned anonymous visitors away
    return request.user


def _role_required(check: Callable[[User], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            assert isinstance(request.user, User)  # noqa: S101  login_required turned anonymous visitors away
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


staff_required = _role_required(lambda user: user.is_desk_staff)
manager_required = _role_required(lambda user: user.is_manager)

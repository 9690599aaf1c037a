"""Within one request the generation tokens are read once, all in one query; a change the
request makes itself is seen by its next read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidesk.automation import rules
from incidesk.core.generations import bump, close_request_scope, open_request_scope
from incidesk.fields import definitions
from incidesk.sla import reference

pytestmark = pytest.mark.django_db


def _queries(read) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured)


def test_a_request_reads_every_token_once_and_sees_its_own_change():
    reads = (reference.current, definitions.current, rules.current, definitions.current)
    for read in reads:
        read()  # the copies loaded
    assert _queries(lambda: [read() for read in reads]) == len(reads)  # outside a request
    open_request_scope()
    try:
        assert _queries(lambda: [read() for read in reads]) == 1
        assert _queries(lambda: [read() for read in reads]) == 0
        bump(definitions.GENERATION)
        assert _queries(definitions.current) > 1  # the token read again, the copy reloaded
    finally:
        close_request_scope()
    assert _queries(reference.current) == 1

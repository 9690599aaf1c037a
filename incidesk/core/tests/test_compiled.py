"""Statements compiled once (`core.compiled`) give what the ORM gives: the same instances from a
read, the same rows and returned keys from an insert, on either database."""

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.functions import Now
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.functional import lazy
from django_tasks_db.models import DBTaskResult

from incidesk.accounts.models import ApiToken, User, hash_token
from incidesk.accounts.tests.factories import AgentFactory, CustomerFactory, OrganisationFactory
from incidesk.core.compiled import CompiledQuery, Prepared, _preparer, insert_new
from incidesk.core.models import Promise
from incidesk.core.sessions import SessionStore
from incidesk.incidents.models import Channel, EventKind, Incident, Kind, TimelineEvent
from incidesk.incidents.status import Status
from incidesk.incidents.tests.factories import make_incident
from incidesk.sla.models import SlaClock

pytestmark = pytest.mark.django_db

BY_HASH = CompiledQuery(
    lambda key_hash: ApiToken.objects.select_related("user", "user__organisation").filter(
        key_hash=key_hash
    )
)


def test_a_compiled_read_gives_the_orms_instances_with_their_relations_in_one_query():
    customer = CustomerFactory(organisation=OrganisationFactory())
    raw = ApiToken.issue(customer)
    expected = ApiToken.objects.get(user=customer)

    with CaptureQueriesContext(connection) as captured:
        found = BY_HASH.first(hash_token(raw))
        assert found is not None
        assert found.user.organisation == customer.organisation  # loaded with it
    assert len(captured) == 1
    assert (found.pk, found.key_hash, found.created_at) == (
        expected.pk,
        expected.key_hash,
        expected.created_at,
    )
    assert found.user.email == customer.email and found.user.is_active is True
    assert found._state.adding is False and found._state.db == "default"
    assert BY_HASH.first(hash_token("ink_unknown")) is None
    assert BY_HASH.all(hash_token(raw)) == [expected]


ROWS = CompiledQuery(
    lambda pk: (
        Incident.objects.select_related("team", "assignee", "hold_reason")
        .only("number", "title", "team__name", "assignee__email", "hold_reason__name_en")
        .filter(pk=pk)
    ),
    integers=True,
)


def _state(obj: Any) -> dict[str, Any]:
    """What an instance holds: its columns, the related objects cached on it (theirs too) and
    its state."""
    held = {k: v for k, v in obj.__dict__.items() if k != "_state"}
    cached = obj._state.fields_cache
    return {
        **held,
        "adding": obj._state.adding,
        "db": obj._state.db,
        "deferred": obj.get_deferred_fields(),
        "cached": {name: None if rel is None else _state(rel) for name, rel in cached.items()},
    }


def test_instances_made_directly_hold_what_from_db_makes():
    """Partly loaded rows with related objects, one of them missing (no hold reason); with a
    `post_init` receiver, `from_db` makes them, and the receiver hears of every one."""
    incident = make_incident(Status.IN_PROGRESS, agent=AgentFactory())
    expected = _state(
        Incident.objects.select_related("team", "assignee", "hold_reason")
        .only("number", "title", "team__name", "assignee__email", "hold_reason__name_en")
        .get(pk=incident.pk)
    )
    found = ROWS.first(incident.pk)
    assert found is not None and _state(found) == expected
    assert expected["cached"]["assignee"] is not None and expected["cached"]["hold_reason"] is None
    assert found.title == incident.title  # a loaded column
    assert found.description == incident.description  # a deferred one, read on access

    heard: list[Any] = []

    def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
        heard.append(instance)

    post_init.connect(receiver, sender=User)
    try:
        found = ROWS.first(incident.pk)
    finally:
        post_init.disconnect(receiver, sender=User)
    assert found is not None and _state(found) == expected and heard == [found.assignee]


def test_inserted_rows_read_back_as_the_objects_hold_them():
    incident = make_incident()
    events = [
        TimelineEvent(incident=incident, kind=EventKind.CREATED, at=timezone.now(), data={"n": i})
        for i in range(3)
    ]

    for _ in range(2):  # compiled at the first use, kept for the second
        with CaptureQueriesContext(connection) as captured:
            insert_new(events)
        assert len(captured) == 1
        stored = list(TimelineEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk"))
        assert [(e.pk, e.at, e.data, e.incident_id) for e in stored] == [
            (e.pk, e.at, e.data, e.incident_id) for e in events
        ]
        assert all(e._state.adding is False for e in events)
        events = [
            TimelineEvent(incident=incident, kind=EventKind.CREATED, at=timezone.now(), data={})
            for _ in range(3)
        ]


def test_one_row_and_a_primary_key_given_by_the_model():
    """An incident by itself (the number's counter untouched), and the queue's rows, whose
    UUID keys the model makes."""
    template = make_incident()
    copy = Incident.objects.get(pk=template.pk)
    copy.pk, copy.number = None, "~copy"
    insert_new([copy])
    assert Incident.objects.get(pk=copy.pk).number == "~copy"
    rows: list[DBTaskResult[Any, Any]] = [
        DBTaskResult(
            args_kwargs={"args": [i], "kwargs": {}},
            task_path="incidesk.sla.tasks.check_clock",
            queue_name="default",
            backend_name="default",
            run_after=timezone.now(),
        )
        for i in range(2)
    ]
    insert_new(rows)
    assert {
        r.args_kwargs["args"][0] for r in DBTaskResult.objects.filter(pk__in=[r.pk for r in rows])
    } == {0, 1}


def test_rows_laid_out_before_their_parent_is_inserted_take_its_key_at_insert():
    """`Prepared`: what an action lays out before its transaction. A key named `later` is read
    when the rows are inserted, after the parent; any other key to an unsaved object is
    refused when the rows are laid out, as `bulk_create` refuses it."""
    template = make_incident()
    incident = Incident.objects.get(pk=template.pk)
    incident.pk, incident.number = None, "~before"
    events = [
        TimelineEvent(incident=incident, kind=EventKind.CREATED, at=timezone.now(), data={"n": i})
        for i in range(2)
    ]
    parent, rows = Prepared([incident], later=["number"]), Prepared(events, later=["incident"])
    with pytest.raises(ValueError, match="unsaved related object 'incident'"):
        Prepared(events)
    incident.number = "~taken-later"
    with CaptureQueriesContext(connection) as captured:
        parent.insert()
        rows.insert()
    assert len(captured) == 2
    assert Incident.objects.get(pk=incident.pk).number == "~taken-later"
    stored = TimelineEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk")
    assert [(e.incident_id, e.data) for e in stored] == [
        (incident.pk, {"n": 0}),
        (incident.pk, {"n": 1}),
    ]


def test_keys_to_held_objects_are_brought_up_to_date_as_bulk_create_does():
    """A row given its parent before the parent was saved takes the parent's key; one whose key
    was changed after it was given an object lets that object go (it reads the row its key
    names). `Prepared` checks only the relations that hold an object, as Django would."""
    first, second = make_incident(), make_incident()
    early = TimelineEvent(incident=Incident(title="saved later"), kind=EventKind.CREATED)
    early.incident.number = "~saved-later"
    early.incident.save()
    moved = TimelineEvent(incident=first, kind=EventKind.CREATED)
    moved.incident_id = second.pk
    insert_new([early, moved])
    stored = dict(
        TimelineEvent.objects.filter(pk__in=[early.pk, moved.pk]).values_list("pk", "incident_id")
    )
    assert stored == {early.pk: early.incident.pk, moved.pk: second.pk}
    assert moved.incident.pk == second.pk


@pytest.mark.parametrize("kept_first", [False, True])
def test_an_expression_as_a_value_goes_through_bulk_create(kept_first):
    """Before the statement is kept (nothing is compiled from it) and after (its preparer
    finds it)."""
    if kept_first:
        insert_new([Promise(task_path="x.y", args=[0], run_after=timezone.now())])
    promise = Promise(task_path="x.y", args=[1], run_after=Now())
    insert_new([promise])
    stored = Promise.objects.get(pk=promise.pk)
    assert stored.run_after is not None and stored.task_path == "x.y"
    plain = Promise(task_path="x.z", args=[2], run_after=None)
    with CaptureQueriesContext(connection) as captured:
        insert_new([plain])
    assert len(captured) == 1 and "NOW" not in captured[0]["sql"].upper()
    assert Promise.objects.get(pk=plain.pk).task_path == "x.z"


def test_an_expired_session_is_no_session(client):
    client.force_login(CustomerFactory())
    key = client.cookies["sessionid"].value
    assert SessionStore(key).load()  # read by the compiled statement
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None
    assert SessionStore(None).load() == {}


def test_the_signed_in_users_look_up_by_key_is_compiled_and_reads_what_the_orm_reads():
    """`User.objects.get(pk=<int>)` — Django's `ModelBackend.get_user`, every web request."""
    customer = CustomerFactory(organisation=OrganisationFactory())
    expected = User.objects.filter(pk=customer.pk).get()

    for _ in range(2):  # compiled at the first use, kept for the second
        with CaptureQueriesContext(connection) as captured:
            found = User.objects.get(pk=customer.pk)
        assert len(captured) == 1
        assert found == expected and found._state.db == "default"
        assert {f.attname: getattr(found, f.attname) for f in User._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
        }
    with pytest.raises(User.DoesNotExist, match=r"^User matching query does not exist\.$"):
        User.objects.get(pk=customer.pk + 10_000)
    # Anything else is the ORM's `get`, with its own checks.
    assert User.objects.get(email=customer.email) == expected
    assert User.objects.get(pk=str(customer.pk)) == expected
    CustomerFactory()
    with pytest.raises(User.MultipleObjectsReturned):
        User.objects.get(pk__gte=0)
    assert ModelBackend().get_user(customer.pk) == expected


@pytest.mark.parametrize("model", [Incident, TimelineEvent, SlaClock, DBTaskResult, Promise])
def test_each_value_is_prepared_as_its_fields_own_chain_prepares_it(model):
    """The short ways of `_preparer` agree with `get_db_prep_save` for the values the fields
    hold, for None, and for values of other types (which take the field's chain)."""
    incident = make_incident(category=None)
    aware = timezone.now()
    others = [
        None,
        0,
        7,
        True,
        "",
        "текст",
        lazy(lambda: "ленивый", str)(),
        Kind.INCIDENT,
        Channel.API,
        "12",
        aware,
        aware.astimezone(timezone.get_fixed_timezone(180)),
        {"a": [1, "б"]},
    ]
    rows = {
        Incident: incident,
        TimelineEvent: incident.events.first(),
        SlaClock: incident.sla_clocks.first(),
    }
    row = rows.get(model)
    for field in model._meta.concrete_fields:
        prepare = _preparer(field, connection)
        held = [getattr(row, field.attname)] if row is not None else []
        for value in [*held, *others]:
            try:
                expected = field.get_db_prep_save(value, connection)
            except (TypeError, ValueError, AttributeError, ValidationError):
                continue  # a value this field refuses: not one it would be given to store
            assert _plain(prepare(value)) == _plain(expected), (field, value)


def _plain(value: Any) -> tuple[type, Any]:
    """A prepared value's type and content (psycopg's JSON wrapper compares by identity)."""
    return type(value), getattr(value, "obj", value)

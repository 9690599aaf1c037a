"""Statements Django compiles once per process, for the few that every request runs, where
building and compiling the SQL costs more than the database's work (the API token's look-up:
0.04 ms in SQLite, about 0.8 ms in the ORM), and the INSERTs of a registration.

`CompiledQuery(build)`: `build(*markers)` returns the queryset with marker strings where the
looked-up values go. Its SQL is compiled at the first call on each database connection; every
call runs it with the real values and makes model instances from the rows with Django's own
machinery (the fields' converters, `select_related` objects, annotations), as iterating the
queryset would. The values take the markers' places as they are, so they must be strings that
need no preparation (a `CharField` equality), or with `integers=True` integers (an integer
key's equality or `IN` list; the markers are then integers no key takes).

One step differs: an instance of a model that keeps `Model.__init__` and `from_db`, whose
loaded columns are plain attributes and which no `pre_init`/`post_init` receiver watches, gets
its columns straight into its `__dict__` (`_maker`), which is what `Model.__init__` ends with,
without its walk over every concrete field and `from_db`'s search of each one in the loaded
names (47 incident columns against the 24 a queue row loads: the 50 rows' objects were a sixth
of the queue page's CPU).

`insert_new(objs)`: what `bulk_create(objs)` does (one statement, no signals, primary keys and
other returned columns set on the objects), with the statement compiled once per model, row
count and connection. Each value is read by its field's `pre_save` and prepared as its field's
`get_db_prep_save` would: the fields of Django's own text, integer, boolean, date-time and
foreign-key classes (checked: the class keeps Django's preparing methods) take a value of the
exact type they store the short way, straight to the backend's adaptation where Django has one
(`_preparer`), and anything else takes the field's own chain. The values go one per
placeholder, row after row (`VALUES (...), (...)`), on PostgreSQL too, where Django lays several
rows out as `UNNEST` arrays to spare the planner: for the two or three rows an action inserts,
psycopg's dumping of the arrays cost more than the planning they spare (0.5 ms of a
registration's CPU). Anything the kept SQL could not
express (an expression as a value, a field with a placeholder of its own, a backend without
`RETURNING`, a parent model, more rows than one statement takes) goes through `bulk_create`
itself. `Prepared(objs, later)` is the same in two steps: the rows laid out now, inserted by
`insert()`, with the fields named in `later` read then (registration lays its rows out before
its transaction).
"""

from __future__ import annotations

import secrets
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from itertools import chain
from operator import attrgetter
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import ModelState
from django.db.models.fields import Field
from django.db.models.fields.related import ForeignKey, ForeignObject
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.options import Options
from django.db.models.query import RelatedPopulator, get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler

Preparer = Callable[[Any], Any]

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class _Statement:
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    slots: dict[int, int]  # parameter position -> index of the value that goes there
    reading: _Reading


class CompiledQuery(Generic[M]):
    """A read whose SQL is compiled once per connection; see the module's docstring."""

    def __init__(
        self, build: Callable[..., models.QuerySet[M]], values: int = 1, *, integers: bool = False
    ) -> None:
        self._build, self._values = build, values
        self._markers: list[Any] = [
            -(2**62) - secrets.randbelow(2**40) * values - i
            if integers
            else f"\x00{secrets.token_hex(8)}:{i}"
            for i in range(values)
        ]
        self._statements: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Statement] = (
            weakref.WeakKeyDictionary()
        )

    def _statement(self, connection: BaseDatabaseWrapper) -> _Statement:
        statement = self._statements.get(connection)
        if statement is None:
            queryset = self._build(*self._markers)
            compiler = queryset.query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            slots = {i: self._markers.index(p) for i, p in enumerate(params) if p in self._markers}
            if len(slots) != self._values:
                raise ValueError("every value must appear once, unprepared, in the SQL")
            reading = _reading(compiler, connection.alias)
            statement = _Statement(compiler, sql, tuple(params), slots, reading)
            self._statements[connection] = statement
        return statement

    def all(self, *values: str | int, using: str = "default") -> list[M]:
        """The rows for `values`, as model instances."""
        connection = connections[using]
        statement = self._statement(connection)
        params = [
            values[statement.slots[i]] if i in statement.slots else p
            for i, p in enumerate(statement.params)
        ]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            rows = cursor.fetchall()
        return _instances(statement.compiler, statement.reading, rows, using)

    def first(self, *values: str | int, using: str = "default") -> M | None:
        """The first row for `values` (the queryset orders and limits), or None."""
        found = self.all(*values, using=using)
        return found[0] if found else None


Maker = Callable[[str, Sequence[Any]], models.Model]


@dataclass(frozen=True)
class _Related:
    """A `select_related` object's part of the row: Django's `RelatedPopulator`, and the maker of
    its object where `_maker` has one."""

    populator: RelatedPopulator
    make: Maker | None
    related: list[_Related]


@dataclass(frozen=True)
class _Reading:
    """What Django's `ModelIterable` works out for every query it runs, worked out once with the
    statement: the columns' converters, the model's columns, the related objects' populators
    (which keep no state between rows) and the annotations' columns."""

    converters: dict[int, Any]
    composite: list[Any] | None  # the selected expressions, when some are composite keys
    model: type[models.Model]
    start: int
    end: int
    init_list: list[str]
    make: Maker | None
    related: list[_Related]
    annotations: list[tuple[str, int]]  # (attribute, column) of each annotation
    models: frozenset[type[models.Model]]  # the model and the related objects' models


def _reading(compiler: SQLCompiler, using: str) -> _Reading:
    select, klass_info = compiler.select, compiler.klass_info
    if klass_info is None:
        raise TypeError("a CompiledQuery reads model instances")
    columns = [s[0] for s in select[0 : compiler.col_count]]
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    model = klass_info["model"]
    # django-stubs describe a later Django, whose populators also take a fetch mode.
    related = _related(get_related_populators(klass_info, select, using))  # type: ignore[call-arg]
    return _Reading(
        converters=compiler.get_converters(columns),
        composite=columns if compiler.has_composite_fields(columns) else None,
        model=model,
        start=start,
        end=end,
        init_list=init_list,
        make=_maker(model, init_list),
        related=related,
        annotations=list(compiler.annotation_col_map.items()),
        models=frozenset([model, *_models(related)]),
    )


def _related(populators: list[RelatedPopulator]) -> list[_Related]:
    return [
        _Related(
            populator,
            _maker(populator.model_cls, populator.init_list)
            if type(populator).populate is RelatedPopulator.populate
            else None,
            _related(populator.related_populators),
        )
        for populator in populators
    ]


def _models(related: list[_Related]) -> list[type[models.Model]]:
    return [model for one in related for model in (one.populator.model_cls, *_models(one.related))]


# Descriptors for which setting a column on a new instance is putting it in the instance's
# `__dict__` (a foreign key's also drops a cached object, which a new instance has none of).
_PLAIN = (DeferredAttribute, ForeignKeyDeferredAttribute)


def _maker(model: type[models.Model], init_list: list[str]) -> Maker | None:
    """What `model.from_db(using, init_list, values)` makes, made directly, where that is all
    `from_db` and `Model.__init__` would do (see the module's docstring); None elsewhere."""
    if (
        model.__init__ is not models.Model.__init__
        or model.from_db.__func__ is not models.Model.from_db.__func__  # type: ignore[attr-defined]
        or any(type(_descriptor(model, name)) not in _PLAIN for name in init_list)
    ):
        return None
    names = tuple(init_list)
    new = models.Model.__new__

    def make(using: str, values: Sequence[Any]) -> models.Model:
        obj = new(model)
        state = obj._state = ModelState()
        state.adding, state.db = False, using
        obj.__dict__.update(zip(names, values, strict=True))
        return obj

    return make


def _descriptor(model: type[models.Model], name: str) -> Any:
    """The class attribute `name` as defined (not through its `__get__`)."""
    return next((klass.__dict__[name] for klass in model.__mro__ if name in klass.__dict__), None)


def _watched(reading: _Reading) -> bool:
    """Whether a `pre_init` or `post_init` receiver watches one of the models: their instances
    are then made by `from_db`, which sends the signals."""
    return any(
        pre_init.has_listeners(model) or post_init.has_listeners(model) for model in reading.models
    )


def _populate(related: _Related, row: Any, from_obj: models.Model) -> None:
    """`RelatedPopulator.populate`, the object made by `related.make`."""
    populator, make = related.populator, related.make
    if make is None:
        populator.populate(row, from_obj)
        return
    if populator.reorder_for_init:
        data = populator.reorder_for_init(row)
    else:
        data = row[populator.cols_start : populator.cols_end]
    obj = None
    if data[populator.pk_idx] is not None:
        obj = make(populator.db, data)
        for inner in related.related:
            _populate(inner, row, obj)
    populator.local_setter(from_obj, obj)
    if obj is not None:
        populator.remote_setter(obj, from_obj)


def _instances(compiler: SQLCompiler, reading: _Reading, rows: list[Any], using: str) -> list[Any]:
    """Model instances from raw rows, as Django's `ModelIterable` makes them (its
    `results_iter` with the converters worked out once)."""
    converted: Any = rows
    if reading.converters:
        converted = compiler.apply_converters(rows, reading.converters)
    if reading.composite is not None:
        converted = compiler.composite_fields_to_tuples(converted, reading.composite)
    model, start, end, init_list = reading.model, reading.start, reading.end, reading.init_list
    watched = _watched(reading)
    make = None if watched else reading.make
    found = []
    for row in converted:
        values = row[start:end]
        obj = model.from_db(using, init_list, values) if make is None else make(using, values)
        for related in reading.related:
            if watched:
                related.populator.populate(row, obj)
            else:
                _populate(related, row, obj)
        for name, position in reading.annotations:
            setattr(obj, name, row[position])
        found.append(obj)
    return found


@dataclass(frozen=True)
class _Insert:
    compiler: SQLInsertCompiler  # for the returned columns: their parameters and converters
    sql: str
    fields: tuple[Field[Any, Any], ...]
    returning: tuple[Field[Any, Any], ...]
    converters: dict[int, Any]
    # Each field's `pre_save` and its value as the database takes it (`_preparer`).
    values: tuple[tuple[Callable[[models.Model], Any], Preparer], ...]


class _ToBulkCreate(Exception):
    """These rows go through `bulk_create`: a value is an expression (Django compiles it), or
    the kept SQL cannot express the rows."""


# Per connection: (model, primary keys given, rows) -> the kept INSERT, or None where a kept
# statement cannot serve.
_INSERTS: weakref.WeakKeyDictionary[BaseDatabaseWrapper, dict[Any, _Insert | None]] = (
    weakref.WeakKeyDictionary()
)


def insert_new(objs: Sequence[models.Model], using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert new instances of one model in one statement; see the module's docstring."""
    Prepared(objs, using=using).insert()


class Prepared:
    """`insert_new` in two steps: the rows are laid out when made, and `insert` runs the
    statement. An action makes them before its transaction and inserts them inside it, where
    only the statement is left (on SQLite every other writer waits for the whole transaction).
    The fields named in `later` (a key to a parent the same transaction inserts first, a value
    it takes there) are read and prepared by `insert`."""

    def __init__(
        self, objs: Sequence[models.Model], later: Sequence[str] = (), using: str = DEFAULT_DB_ALIAS
    ) -> None:
        self.objs, self.using = objs, using
        self._statement: _Insert | None = None
        self._values: list[list[Any]] = []
        self._slots: list[int] = []  # the positions of `later`'s values in a row
        if not objs:
            return
        opts = objs[0]._meta
        self._later = frozenset(opts.get_field(name) for name in later)
        # Django checks every key's object is saved; those in `later` are checked by `insert`.
        relations = _relations(opts)
        self._later_relations = relations & self._later
        now = relations - self._later
        for obj in objs:
            if obj.pk is None:
                obj.pk = opts.pk.get_pk_value_on_save(obj)
            _check_related(obj, now)
        self._statement = self._laid_out()

    def _laid_out(self) -> _Insert | None:
        """The kept statement with the values known now; None where `bulk_create` must go."""
        objs, connection = self.objs, connections[self.using]
        with_pk = {obj.pk is not None for obj in objs}
        kept = _INSERTS.setdefault(connection, {})
        key = (type(objs[0]), True in with_pk, len(objs))
        try:
            if len(with_pk) > 1:
                raise _ToBulkCreate  # some keys given, some not: two statements' worth
            statement = kept[key] if key in kept else _insert_statement(connection, objs, kept, key)
            if statement is None:
                raise _ToBulkCreate
            self._slots = [i for i, f in enumerate(statement.fields) if f in self._later]
            self._values = [
                [
                    None if i in self._slots else prepare(read(obj))
                    for i, (read, prepare) in enumerate(statement.values)
                ]
                for obj in objs
            ]
        except _ToBulkCreate:
            return None
        return statement

    def insert(self) -> None:
        objs, statement = self.objs, self._statement
        if not objs:
            return
        try:
            if statement is None:
                raise _ToBulkCreate
            for obj, values in zip(objs, self._values, strict=True):
                _check_related(obj, self._later_relations)
                for i in self._slots:
                    read, prepare = statement.values[i]
                    values[i] = prepare(read(obj))
        except _ToBulkCreate:
            type(objs[0])._default_manager.db_manager(self.using).bulk_create(objs)
            return
        rows = _run(connections[self.using], statement, self._values) or [()] * len(objs)
        for obj, row in zip(objs, rows, strict=True):
            for field, value in zip(statement.returning, row, strict=True):
                setattr(obj, field.attname, value)
            obj._state.adding, obj._state.db = False, self.using


@cache
def _relations(opts: Options[Any]) -> frozenset[Field[Any, Any]]:
    """The model's keys to other rows, and its private fields (a generic key) too."""
    return frozenset([*(f for f in opts.concrete_fields if f.is_relation), *opts.private_fields])


def _check_related(obj: models.Model, fields: frozenset[Field[Any, Any]]) -> None:
    """`obj._prepare_related_fields_for_save("bulk_create", fields)`, as `bulk_create` runs it,
    for the relations in `fields` that hold an object: that object must be saved, an empty key
    takes its key, and a key that no longer matches it drops it. Django's own loops over every
    concrete field of the model for each object; this reads only the relations that need it."""
    held_objects = obj._state.fields_cache
    for field in fields:
        held = held_objects.get(field.cache_name)  # type: ignore[attr-defined]  # every relation caches its object
        if not held:
            continue
        if not isinstance(field, ForeignObject):  # a generic key: Django's own check
            obj._prepare_related_fields_for_save(operation_name="bulk_create", fields={field})  # type: ignore[attr-defined]  # as bulk_create
            continue
        if not held._is_pk_set():
            if not field.remote_field.multiple:
                field.remote_field.delete_cached_value(held)
            raise ValueError(
                "bulk_create() prohibited to prevent data loss due to unsaved related "
                f"object '{field.name}'."
            )
        if getattr(obj, field.attname) in field.empty_values:
            setattr(obj, field.name, held)
        if getattr(held, field.target_field.attname) != getattr(obj, field.attname):
            field.delete_cached_value(obj)


def _run(connection: BaseDatabaseWrapper, statement: _Insert, values: list[list[Any]]) -> list[Any]:
    """Execute the kept INSERT with the rows' `values`, one placeholder each; the returned rows."""
    compiler = statement.compiler
    returning_params = compiler.returning_params if statement.returning else ()
    params = tuple(chain.from_iterable([*values, returning_params]))
    ops: Any = connection.ops  # both backends' operations fetch returned rows; the base's don't
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        if not statement.returning:
            return []
        if len(values) > 1:
            rows = ops.fetch_returned_insert_rows(cursor)
        else:
            rows = [ops.fetch_returned_insert_columns(cursor, returning_params)]
    if statement.converters:
        rows = list(compiler.apply_converters(rows, statement.converters))
    return list(rows)


def _kept_sql_serves(
    connection: BaseDatabaseWrapper, objs: Sequence[models.Model]
) -> tuple[Field[Any, Any], ...] | None:
    """The fields to insert, when a kept statement can insert `objs`; else None."""
    opts, features = objs[0]._meta, connection.features
    with_pk = {obj.pk is not None for obj in objs}
    fields = tuple(f for f in opts.concrete_fields if with_pk == {True} or f is not opts.pk)
    if (
        len(with_pk) > 1
        or opts.parents
        or not features.can_return_columns_from_insert
        or not features.can_return_rows_from_bulk_insert
        or connection.ops.bulk_batch_size(list(fields), list(objs)) < len(objs)
        or any(hasattr(f, "get_placeholder") for f in fields)
    ):
        return None
    return fields


def _insert_statement(
    connection: BaseDatabaseWrapper,
    objs: Sequence[models.Model],
    kept: dict[Any, _Insert | None],
    key: Any,
) -> _Insert | None:
    """The INSERT of `len(objs)` rows of their model, compiled by Django at its first use and
    kept under `key`; None where a kept statement cannot serve. Objects holding an expression
    compile nothing (their SQL is not the one to keep)."""
    fields = _kept_sql_serves(connection, objs)
    if fields is None:
        kept[key] = None
        return None
    readers = [_reader(f) for f in fields]
    if any(hasattr(read(obj), "resolve_expression") for obj in objs for read in readers):
        return None
    model = type(objs[0])
    opts = model._meta
    query = InsertQuery(model)
    query.insert_values(list(fields), list(objs))
    compiler = query.get_compiler(connection=connection)
    # One placeholder per value, row after row (Django's own layout, not PostgreSQL's UNNEST).
    compiler.assemble_as_sql = partial(SQLInsertCompiler.assemble_as_sql, compiler)
    returning = tuple(opts.db_returning_fields)
    compiler.returning_fields = list(returning)
    [(sql, _params)] = compiler.as_sql()
    query.objs = []  # the SQL is kept, not these objects
    columns = [f.get_col(opts.db_table) for f in returning]
    statement = _Insert(
        compiler,
        sql,
        fields,
        returning,
        compiler.get_converters(columns),
        values=tuple(zip(readers, (_preparer(f, connection) for f in fields), strict=True)),
    )
    kept[key] = statement
    return statement


def _reader(field: Field[Any, Any]) -> Callable[[models.Model], Any]:
    """The field's `pre_save(obj, True)`: the attribute itself where the field keeps Django's
    plain `pre_save`."""
    if type(field).pre_save is Field.pre_save:
        return attrgetter(field.attname)
    return partial(_pre_save, field)


def _pre_save(field: Field[Any, Any], obj: models.Model) -> Any:
    return field.pre_save(obj, True)


# The methods `get_db_prep_save` runs through: a field class that keeps all of a base's may take
# that base's short way.
_CHAIN = ("get_db_prep_save", "get_db_prep_value", "get_prep_value", "to_python")


def _keeps_chain(field: Field[Any, Any], base: type[Field[Any, Any]]) -> bool:
    return isinstance(field, base) and all(
        getattr(type(field), name) is getattr(base, name) for name in _CHAIN
    )


def _preparer(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> Preparer:
    """`field.get_db_prep_save(value, connection)`, taking Django's steps only where they
    change something: None stays None, and a value of exactly the type the field stores goes
    straight to the backend's adaptation (text — a choices enum's member too, a `str` — and
    booleans as they are, integers through `adapt_integerfield_value`, aware date-times through
    `adapt_datetimefield_value`, keys as their target field's, a dict or list for JSON through
    `adapt_json_value`). Any other value, and every other field, takes the field's chain; an
    expression raises `_ToBulkCreate`, for `insert_new` to leave the row to `bulk_create`."""

    def generic(value: Any) -> Any:
        if hasattr(value, "resolve_expression"):
            raise _ToBulkCreate
        return field.get_db_prep_save(value, connection)

    ops = connection.ops
    if type(field).get_db_prep_save is ForeignKey.get_db_prep_save and isinstance(
        field, ForeignKey
    ):
        target = _preparer(field.target_field, connection)
        return lambda v: None if v is None else target(v) if type(v) is int else generic(v)
    if _keeps_chain(field, models.DateTimeField):
        adapt = ops.adapt_datetimefield_value
        return lambda v: (
            adapt(v)
            if v is None or (type(v) is datetime and v.utcoffset() is not None)
            else generic(v)
        )
    if _keeps_chain(field, models.AutoField):
        validate = ops.validate_autopk_value
        return lambda v: None if v is None else validate(v) if type(v) is int else generic(v)
    if _keeps_chain(field, models.IntegerField):
        internal_type, adapt_integer = field.get_internal_type(), ops.adapt_integerfield_value
        return lambda v: (
            None if v is None else adapt_integer(v, internal_type) if type(v) is int else generic(v)
        )
    if _keeps_chain(field, models.BooleanField):
        return lambda v: v if v is None or type(v) is bool else generic(v)
    if _keeps_chain(field, models.CharField) or _keeps_chain(field, models.TextField):
        return lambda v: v if v is None or type(v) is str or _plain_str(v) else generic(v)
    if isinstance(field, models.JSONField) and _keeps_chain(field, models.JSONField):
        adapt_json, encoder = ops.adapt_json_value, field.encoder
        return lambda v: (
            None if v is None else adapt_json(v, encoder) if type(v) in _JSON_TYPES else generic(v)
        )
    return generic


_JSON_TYPES = (dict, list)


def _plain_str(value: Any) -> bool:
    """A `str` of a subclass (a `TextChoices` member) that is no expression: Django's chain
    hands it back as it is."""
    return (
        isinstance(value, str)
        and not hasattr(value, "as_sql")
        and not hasattr(value, "resolve_expression")
    )

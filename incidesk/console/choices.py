"""The queue page's choice lists (agents, teams, organisations, categories, causes), kept per
process and read again when one of them changes (`GenerationCache`, generation
`console-choices`).

Reading the five lists and making their model objects took some 3 ms of the page's CPU for
lists that change a few times a year. Saves and deletions of teams, organisations, categories
and causes bump the generation, and a user's save when it may change a list of active staff
(`accounts.signals.changes_staff_list`: not a customer's, not a sign-in). Only what is drawn
comes from here: a chosen filter value is still checked against the database by its field's
queryset, as before.

What a field shows of them is kept too, per language and empty choice (`Lists.drawn`): its
choices (the trees built in that language) and its options' markup (`renderers.draw_options`),
which the fields' `KeptSelect` widgets write with the request's values marked. Building the
trees and drawing some 190 options through a context each were a tenth of the page's CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as kept_field
from typing import Any

from django import forms
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import get_language

from incidesk.accounts.models import Organisation, Team, User
from incidesk.accounts.signals import changes_staff_list
from incidesk.catalog.models import Category, Cause
from incidesk.core.generations import GenerationCache, bump
from incidesk.web.forms import KeptChoices, KeptSelect, TreeChoiceField
from incidesk.web.renderers import DrawnOptions, draw_options

GENERATION = "console-choices"
PLAIN = ("assignee", "team", "organisation")  # (value, label) lists
TREES = ("category", "cause")  # rows, drawn as a tree in the viewer's language


@dataclass(frozen=True)
class Shown:
    """A field's kept choices, its empty choice first, and their options drawn."""

    choices: KeptChoices
    options: DrawnOptions


@dataclass(frozen=True)
class Lists:
    """Read-only, shared by every request of the process (`drawn` only grows, each entry made
    from the lists alone: two threads making one make the same)."""

    options: dict[str, tuple[tuple[Any, str], ...]]  # without the empty choice
    entries: dict[str, tuple[Any, ...]]  # the tree fields' rows, their parents joined
    # (field name, tree or not, language, empty choice) -> what such a field shows
    drawn: dict[tuple[str, bool, str, str | None], Shown] = kept_field(default_factory=dict)


def _load() -> Lists:
    """What the filter form's fields would read and show (their querysets, values, labels)."""
    from incidesk.console.forms import QueueFilterForm  # the forms import the queues, not this

    fields: dict[str, Any] = QueueFilterForm.base_fields
    return Lists(
        options={
            name: tuple(
                (fields[name].prepare_value(obj), fields[name].label_from_instance(obj))
                for obj in fields[name].queryset.all()  # all(): a fresh read, not the field's
            )
            for name in PLAIN
        },
        entries={name: tuple(fields[name].queryset.all()) for name in TREES},
    )


_CACHE = GenerationCache(GENERATION, _load)


def fill(*forms_shown: forms.Form) -> None:
    """Give the fields of these names (of the queue page's two forms, whose same-named fields
    list the same rows) the kept choices, each field's empty choice first, and to their
    `KeptSelect` widgets the options drawn."""
    lists = _CACHE.get()
    language = get_language()
    for form in forms_shown:
        for name, field in form.fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            tree = isinstance(field, TreeChoiceField)
            if name not in (lists.entries if tree else lists.options):
                continue
            empty = None if field.empty_label is None else str(field.empty_label)
            key = (name, tree, language, empty)
            shown = lists.drawn.get(key)
            if shown is None:
                shown = lists.drawn[key] = _shown(lists, name, field, empty)
            field.choices = shown.choices
            if isinstance(field.widget, KeptSelect):
                field.widget.drawn = shown.options


def _shown(lists: Lists, name: str, field: forms.ModelChoiceField, empty: str | None) -> Shown:
    if isinstance(field, TreeChoiceField):
        found = field.tree_of(list(lists.entries[name]))
    else:
        found = list(lists.options[name])
    choices = (*([] if empty is None else [("", empty)]), *found)
    return Shown(KeptChoices(choices), draw_options(choices))


@receiver([post_save, post_delete], sender=Team)
@receiver([post_save, post_delete], sender=Organisation)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=Cause)
def _list_changed(sender: type[Any], **kwargs: Any) -> None:
    bump(GENERATION)


@receiver(post_save, sender=User)
def _user_saved(sender: type[User], instance: User, created: bool, **kwargs: Any) -> None:
    if changes_staff_list(instance, created, kwargs.get("update_fields")):
        bump(GENERATION)


@receiver(post_delete, sender=User)
def _user_deleted(sender: type[User], instance: User, **kwargs: Any) -> None:
    if instance.is_desk_staff:
        bump(GENERATION)

"""Forms for signing in and personal settings."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db.models import Model, QuerySet
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from incidesk.accounts.models import STAFF_ROLES, User
from incidesk.core.errors import DomainError
from incidesk.web.renderers import OPTION, SELECT, DrawnOptions, select_markup

DJANGO_BLANK = "---------"
NOT_CHOSEN = _("— not selected —")


def _word_empty_choice(field: forms.Field) -> None:
    """Django's "---------" blank choice, in words (a form may name it better itself)."""
    if isinstance(field, forms.ModelChoiceField):
        if _is_blank(field.empty_label):
            field.empty_label = NOT_CHOSEN
    elif isinstance(field, forms.ChoiceField) and isinstance(field.choices, list):
        choices = field.choices
        if any(_is_blank(label) for _value, label in choices):
            field.choices = [
                (value, NOT_CHOSEN if _is_blank(label) else label) for value, label in choices
            ]


def _is_blank(label: Any) -> bool:
    """Whether `label` is Django's blank label, a plain string: a lazy label (a form's own
    words) is not compared, which would translate it (some 40 labels on the queue page)."""
    return isinstance(label, str) and label == DJANGO_BLANK


class BootstrapForm:
    """Gives every widget Bootstrap's class and marks the ones with errors, so templates only
    lay fields out."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _word_empty_choice(field)
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def add_domain_error(
    form: forms.Form, error: DomainError, aliases: dict[str, str] | None = None
) -> None:
    """Put each failing field's message next to that field (an action's field name may differ
    from the form's: `aliases`), the rest above the form."""
    placed = False
    for name, reason in error.fields.items():
        target = (aliases or {}).get(name, name)
        if target in form.fields:
            form.add_error(target, str(reason))
            placed = True
    if not placed:
        form.add_error(None, str(error.message))


def staff_users() -> QuerySet[User]:
    return User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by("full_name", "email")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class TreeChoiceField(forms.ModelChoiceField):
    """A two-level reference list as a tree: the top-level entries in their fixed order, each
    one with sub-entries an option group holding itself first ("… in general") and then its
    children in their order; an entry without children is a plain option."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name

    def tree(self) -> Iterator[tuple[Any, Any]]:
        """The choices, read from the database when the widget is rendered. The empty choice
        comes first, before the tree is built: a select asks for its first choice alone
        (whether it may be `required`), and building the tree for it cost 0.4 ms a field on
        the queue page."""
        if self.empty_label is not None:
            yield ("", self.empty_label)
        yield from self.tree_of(list(self.queryset))

    def tree_of(self, entries: list[Any]) -> list[tuple[Any, Any]]:
        """The tree of `entries` (the queryset's rows, their parents joined), without the
        empty choice: a page that keeps the rows (`console.choices`) builds it from them."""
        children: dict[int, list[Any]] = {}
        for entry in entries:
            if entry.parent_id is not None:
                children.setdefault(entry.parent_id, []).append(entry)
        choices: list[tuple[Any, Any]] = []
        tops = sorted((e for e in entries if e.parent_id is None), key=_in_order)
        for top in tops:
            kids = sorted(children.pop(top.pk, []), key=_in_order)
            if not kids:
                choices.append((self.prepare_value(top), top.name))
                continue
            general = _("%(name)s (in general)") % {"name": top.name}
            options = [(self.prepare_value(top), general)]
            options += [(self.prepare_value(kid), kid.name) for kid in kids]
            choices.append((top.name, options))
        # Sub-entries whose parent is no longer in use stay choosable, named with it.
        orphans = sorted((kid for kids in children.values() for kid in kids), key=_in_order)
        choices += [(self.prepare_value(kid), self.label_from_instance(kid)) for kid in orphans]
        return choices

    def _get_choices(self) -> _Tree:
        return _Tree(self)

    choices = property(_get_choices, forms.ChoiceField.choices.fset)


class _Tree(BaseChoiceIterator):
    """The tree's choices as a lazy iterable (like Django's `ModelChoiceIterator`): a form is
    built at import time, long before the database may be read."""

    def __init__(self, field: TreeChoiceField) -> None:
        self.field = field

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        yield from self.field.tree()

    def __bool__(self) -> bool:
        return True


class FixedChoiceField(forms.ChoiceField):
    """A choice field whose choices are set when its form class is defined (a list of labels,
    or a function that reads them when the form is drawn) and only ever replaced, never
    changed in place: each form's copy of the field shares them. Django deep-copies a choice
    list for every form made, label by lazy label: a sixth of making and validating the
    portal's registration form."""

    def __deepcopy__(self, memo: dict[int, Any]) -> FixedChoiceField:
        return forms.Field.__deepcopy__(self, memo)


class KeptChoices(BaseChoiceIterator):
    """Choices kept for many requests (`console.choices`), set on a field as they are: Django
    copies a plain list into a new one, group by group, each time a field's choices are set."""

    def __init__(self, choices: tuple[tuple[Any, Any], ...]) -> None:
        self.choices = choices

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)


class KeptSelect(forms.Select):
    """A select that may be given its options drawn beforehand (`drawn`, for choices kept for
    many requests: `console.choices`); it then writes the markup Django's templates would, the
    chosen values marked, without a context per option (`renderers.select_markup`). Without
    them, or with templates of its own, it is Django's select."""

    drawn: DrawnOptions | None = None

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        if self.drawn is None or (self.template_name, self.option_template_name) != (
            SELECT,
            OPTION,
        ):
            return super().render(name, value, attrs, renderer)
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        markup = select_markup(
            name, final, self.drawn, self.format_value(value), self.allow_multiple_selected
        )
        return mark_safe(markup)  # noqa: S308 (drawn by the renderer's escaping functions)


def _in_order(entry: Any) -> tuple[int, str]:
    return (entry.position, entry.code)


def active_tree(model: type[Model]) -> QuerySet:
    """The active entries of a two-level reference list, with their parents joined."""
    return model.objects.filter(is_active=True).select_related("parent")


class DateInput(forms.DateInput):
    input_type = "date"


class SignInForm(BootstrapForm, AuthenticationForm):
    """Django's sign-in form, asking for the e-mail the account is known by."""

    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # With a directory whose people sign in by their network login (sAMAccountName,
        # userPrincipalName, uid), the field takes that too; local accounts keep their e-mail.
        ldap = settings.INCIDESK_LDAP
        if ldap and ldap["login_attr"].lower() != "mail":
            self.fields["username"] = forms.CharField(
                label=_("E-mail or network login"),
                max_length=254,
                widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
            )


def _time_zones() -> list[tuple[str, str]]:
    russian = [
        zone for zone in sorted(zoneinfo.available_timezones()) if zone.startswith("Europe/")
    ]
    asian = [zone for zone in sorted(zoneinfo.available_timezones()) if zone.startswith("Asia/")]
    return [(zone, zone) for zone in ["UTC", *russian, *asian]]


class PreferencesForm(BootstrapForm, forms.ModelForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zones)

    class Meta:
        model = User
        fields = ["full_name", "phone", "language", "time_zone"]


class ResetPasswordForm(BootstrapForm, PasswordResetForm):
    """Also lets contacts (accounts created from an e-mail or an anonymous submission, with no
    password yet) choose their first password."""

    def get_users(self, email: str) -> Iterator[User]:
        return User.objects.filter(email__iexact=email, is_active=True).iterator()

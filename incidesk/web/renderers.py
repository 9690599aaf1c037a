"""The form renderer: Django's templates, with the select and input widgets drawn in Python.

Django renders a select through a template that includes a template per option and another
per attribute list: the queue page's two forms hold some 240 options, and drawing them took
about a quarter of the page's CPU (12 ms of 50). `render` writes the very same markup (a test
compares it with the templates' output) for a select whose options use Django's own option
template, and for the inputs whose template only includes Django's `input.html` (text, date,
hidden, …: six on the queue page, 0.15 ms each through the templates); any other widget, or a
select with options of its own template, goes to the templates as before.

A select whose choices stay the same over many requests (the queue page's lists of agents,
teams, organisations, categories and causes: `console.choices`) may have its options drawn once
(`draw_options`, each option's markup with and without `selected`) and then only put together
for each request (`select_markup`), the chosen values marked: the same markup again, without a
context and a formatted label per option (`web.forms.KeptSelect`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
# Django's templates that are `{% include "django/forms/widgets/input.html" %}` and nothing more.
INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        *("input", "text", "hidden", "date", "datetime", "time", "email", "number"),
        *("password", "search", "tel", "url", "color", "checkbox", "file"),
    )
)


class FastSelectRenderer(DjangoTemplates):
    """`DjangoTemplates`, with `SELECT` drawn by `_select` when it can be, and `INPUTS` by
    `_input`."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        if template_name in INPUTS:
            return _input(context["widget"])
        if template_name == SELECT and _plain_options(context["widget"]):
            return _select(context["widget"])
        return super().render(template_name, context, request)


def _plain_options(widget: dict[str, Any]) -> bool:
    return all(
        option["template_name"] == OPTION
        for _name, options, _index in widget["optgroups"]
        for option in options
    )


def _text(value: Any) -> str:
    """`{{ value }}`: localised, then escaped unless already safe."""
    shown = localize(value)
    return conditional_escape(shown if isinstance(shown, str) else str(shown))


def _format(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: kept as is when safe, else escaped."""
    text = str(value)
    return text if isinstance(value, SafeData) else conditional_escape(text)


def _attrs(attrs: dict[str, Any]) -> str:
    """`django/forms/widgets/attrs.html`."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_format(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _select(widget: dict[str, Any]) -> str:
    """`SELECT` and its `OPTION`s, byte for byte (less the newline the renderer strips)."""
    parts = [_select_start(widget["name"], widget["attrs"])]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(_group_start(group_name))
        parts.extend(
            _option(option["value"], _attrs(option["attrs"]), option["label"]) for option in options
        )
        if group_name:
            parts.append(GROUP_END)
    parts.append(SELECT_END)
    return "".join(parts)


GROUP_END = "\n  </optgroup>"
SELECT_END = "\n</select>"


def _select_start(name: str, attrs: dict[str, Any]) -> str:
    return f'<select name="{_text(name)}"{_attrs(attrs)}>'


def _group_start(name: Any) -> str:
    return f'\n  <optgroup label="{_text(name)}">'


def _option(value: Any, attrs: str, label: Any) -> str:
    return f'\n  <option value="{_format(value)}"{attrs}>{_text(label)}</option>\n'


@dataclass(frozen=True)
class DrawnOption:
    value: str  # as the widget compares it with the chosen values (`str(value)`)
    plain: str
    chosen: str  # with `selected`


@dataclass(frozen=True)
class DrawnOptions:
    """A select's options, drawn in the active language: group markup and options in order."""

    parts: tuple[str | DrawnOption, ...]


def draw_options(choices: Iterable[tuple[Any, Any]]) -> DrawnOptions:
    """The options of `choices` (Django's form, one level of groups) as `_select` draws them."""
    parts: list[str | DrawnOption] = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            if value:
                parts.append(_group_start(value))
            parts.extend(_drawn(sub_value, sub_label) for sub_value, sub_label in label)
            if value:
                parts.append(GROUP_END)
        else:
            parts.append(_drawn("" if value is None else value, label))
    return DrawnOptions(tuple(parts))


def _drawn(value: Any, label: Any) -> DrawnOption:
    return DrawnOption(str(value), _option(value, "", label), _option(value, " selected", label))


def select_markup(
    name: str, attrs: dict[str, Any], options: DrawnOptions, values: list[str], multiple: bool
) -> str:
    """What `_select` writes for a select of `options` with `values` chosen: as Django's
    `ChoiceWidget.optgroups` marks them, every option of a chosen value in a multiple select,
    else the first one only."""
    chosen, marked = set(values), False
    parts = [_select_start(name, attrs)]
    for part in options.parts:
        if isinstance(part, str):
            parts.append(part)
        elif part.value in chosen and (multiple or not marked):
            parts.append(part.chosen)
            marked = True
        else:
            parts.append(part.plain)
    parts.append(SELECT_END)
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    """`django/forms/widgets/input.html`, byte for byte."""
    value = "" if widget["value"] is None else f' value="{_format(widget["value"])}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>"
    )

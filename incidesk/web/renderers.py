"""The form renderer: Django's templates, with the select and input widgets drawn in Python.

Django renders a select through a template that includes a template per option and another
per attribute list: the queue page's two forms hold some 240 options, and drawing them took
about a quarter of the page's CPU (12 ms of 50). `render` writes the very same markup (a test
compares it with the templates' output) for a select whose options use Django's own option
template, and for the inputs whose template only includes Django's `input.html` (text, date,
hidden, …: six on the queue page, 0.15 ms each through the templates); any other widget, or a
select with options of its own template, goes to the templates as before.
"""

from __future__ import annotations

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
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        parts.extend(
            f'\n  <option value="{_format(option["value"])}"{_attrs(option["attrs"])}>'
            f"{_text(option['label'])}</option>\n"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    """`django/forms/widgets/input.html`, byte for byte."""
    value = "" if widget["value"] is None else f' value="{_format(widget["value"])}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>"
    )

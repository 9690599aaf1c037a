"""`{% passkey_scripts "register" %}` / `"auth"`: the library's script for a page, from its
static files, after its messages, with what it reads from the page as a JSON data block."""

from __future__ import annotations

from typing import Any

from django import template

from incidesk.mfa.passkey_views import script_config

register = template.Library()


@register.inclusion_tag("mfa/_passkey_scripts.html", takes_context=True)
def passkey_scripts(context: template.Context, bundle: str) -> dict[str, Any]:
    return {"config": script_config(context["request"]), "bundle": bundle}

"""The API's JSON renderer: ninja renders every answer with it, and a handler that builds its
answer as a dict itself (a registration's 201) renders with the same one, so the bytes agree."""

from ninja.renderers import JSONRenderer


class UnicodeJSONRenderer(JSONRenderer):
    """Russian text as UTF-8, not \\u escapes: readable in logs, curl and smaller."""

    json_dumps_params = {"ensure_ascii": False}


RENDERER = UnicodeJSONRenderer()

"""Hostile input stops at the door of every page, API endpoint and webhook, with a 4xx naming the field.

- a body over MAX_CONTENT_LENGTH: 413 (Flask enforces the limit; this answers it clearly);
- JSON nested deeper than Python's parser can follow: 400, not a RecursionError;
- NUL bytes, unpaired surrogates, control characters and integers beyond 64 bits anywhere in the
  query string, a form or a JSON body: 400 naming the field (`core.input_checks`);
- an id in a URL beyond what an id column holds: 404 like any id that does not exist.
"""
from flask import render_template, request
from flask_babel import gettext
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from core.errors import ValidationError
from core.input_checks import ID_MAX, check_tree

from .i18n import reason_text


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only ids a database column can hold."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", ID_MAX)
        super().__init__(url_map, *args, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """JSON whose nesting exhausts the parser is malformed JSON (a ValueError: Flask answers 400)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _refusal(status, field, reason):
    reason = reason_text(reason)
    if request.path.startswith(("/api/", "/webhooks/")):
        return {"error": "validation" if status == 400 else "too_large", "field": field, "reason": reason}, status
    return render_template("errors/error.html", code=status, title=gettext("Input refused"),
                           text=f"{field}: {reason}"), status


def _fields(multidict):
    """A form or query string as {name: value}, or {name: [values]} for a name given more than once."""
    return {key: values[0] if len(values) == 1 else values for key, values in multidict.lists()}


def _check_request():
    try:
        check_tree(_fields(request.args), "query")
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            check_tree(_fields(request.form), "form")
        elif request.is_json and request.content_length != 0:
            data = request.get_json(silent=True)
            if data is None and request.get_data(cache=True).strip():
                return _refusal(400, "body", "is not valid JSON")
            check_tree(data, "body")
    except ValidationError as exc:
        return _refusal(400, exc.field, exc.reason)
    return None


def init_app(app):
    """Install the converter and JSON parser (before any route is added), the check and the 413 answer."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json_provider_class = JSONProvider
    app.json = JSONProvider(app)
    app.before_request(_check_request)

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc):
        limit = app.config.get("MAX_CONTENT_LENGTH")
        return _refusal(413, "body", f"is larger than {limit} bytes" if limit else "is too large")

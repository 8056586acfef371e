"""Every API response in the test suite is checked against the OpenAPI document (api/openapi.py).

app_for (tests/conftest.py) gives every test app this client: a response under /api/ whose
operation, status code, headers or body the document does not describe fails the test that got it,
errors (4xx) included. Requests are not validated: tests send bad input on purpose.
"""
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

_checker = None


def checker():
    global _checker
    if _checker is None:
        from api.openapi import SPEC
        _checker = OpenAPI.from_dict(SPEC)
    return _checker


class _RequestSeen(WerkzeugOpenAPIRequest):
    """The request as far as response validation needs it: its body was read by the app already."""

    @property
    def body(self):
        return None


class OpenApiCheckedClient(FlaskClient):
    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith("/api/"):
            try:
                checker().validate_response(_RequestSeen(request), WerkzeugOpenAPIResponse(response))
            except Exception as exc:  # openapi-core raises one of several error classes; any is a failure here
                details = getattr(exc, "schema_errors", None) or getattr(exc, "__cause__", None) or ""
                raise AssertionError(f"{request.method} {request.path} -> {response.status}: response does not "
                                     f"match the OpenAPI document: {exc!r} {details}\n{response.get_data(True)[:500]}"
                                     ) from exc
        return response

"""The one way Uitkijk makes a Twilio REST client.

Requests go to Twilio itself unless a base URL is configured; the tests point it at Prism
serving Twilio's OpenAPI spec, a lab could point it at a recording proxy. The HTTP client
also remembers the headers of the last response per thread, because the SDK's exceptions do
not carry them and a 429's Retry-After matters for when to try again.
"""
import threading
from typing import Mapping, Optional
from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

DEFAULT_TIMEOUT_S = 10.0


class RebasingHttpClient(TwilioHttpClient):
    """A TwilioHttpClient that sends each request to ``base_url`` (scheme, host and path prefix)
    instead of the Twilio host in the URL, and adds ``extra_headers`` to every request."""

    def __init__(self, base_url: Optional[str] = None,
                 extra_headers: Optional[Mapping[str, str]] = None,
                 timeout: float = DEFAULT_TIMEOUT_S):
        super().__init__(timeout=timeout)
        self.base_url = _checked_base_url(base_url) if base_url else None
        self.extra_headers = dict(extra_headers or {})
        self._local = threading.local()

    def rebase(self, url: str) -> str:
        """The URL the request really goes to."""
        if not self.base_url:
            return url
        base = urlsplit(self.base_url)
        target = urlsplit(url)
        return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + target.path,
                           target.query, ""))

    def request(self, method, url, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        self._local.last_headers = None
        merged = {**(headers or {}), **self.extra_headers}
        response = super().request(method, self.rebase(url), params=params, data=data,
                                   headers=merged, auth=auth, timeout=timeout,
                                   allow_redirects=allow_redirects)
        self._local.last_headers = dict(response.headers or {})
        return response

    def last_response_headers(self) -> Optional[dict]:
        """Headers of this thread's last response, None if it got none."""
        return getattr(self._local, "last_headers", None)


def make_twilio_client(account_sid: str, auth_token: str, base_url: Optional[str] = None,
                       extra_headers: Optional[Mapping[str, str]] = None,
                       timeout: float = DEFAULT_TIMEOUT_S) -> Client:
    """A Twilio REST client; ``base_url`` (e.g. ``http://127.0.0.1:4010``) replaces Twilio's hosts."""
    if not account_sid or not auth_token:
        raise ValueError("account_sid and auth_token are both required")
    http_client = RebasingHttpClient(base_url, extra_headers, timeout)
    return Client(account_sid, auth_token, http_client=http_client)


def twilio_client_for(config: Mapping[str, str], account_sid: str, auth_token: str) -> Client:
    """A client for one account, aimed at TWILIO_API_BASE_URL when the configuration sets one."""
    return make_twilio_client(account_sid, auth_token, base_url=config.get("TWILIO_API_BASE_URL") or None)


def last_response_headers(client: Client) -> Optional[dict]:
    """Headers of the client's last response in this thread, when its HTTP client keeps them."""
    http_client = client.http_client
    if isinstance(http_client, RebasingHttpClient):
        return http_client.last_response_headers()
    return None


def _checked_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"base_url: expected http(s)://host[:port][/prefix], got {base_url!r}")
    return base_url

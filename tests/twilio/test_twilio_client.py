"""The Twilio REST client factory: base URL rewriting and configuration."""
import pytest

from twilio_gateway.client import RebasingHttpClient, last_response_headers, make_twilio_client, twilio_client_for

MESSAGES = "https://api.twilio.com/2010-04-01/Accounts/AC00/Messages.json"


@pytest.mark.parametrize("base_url, url, expected", [
    (None, MESSAGES, MESSAGES),
    ("http://127.0.0.1:4010", MESSAGES, "http://127.0.0.1:4010/2010-04-01/Accounts/AC00/Messages.json"),
    ("http://127.0.0.1:4010/", MESSAGES, "http://127.0.0.1:4010/2010-04-01/Accounts/AC00/Messages.json"),
    ("https://lab.example.org/twilio", MESSAGES + "?PageSize=5",
     "https://lab.example.org/twilio/2010-04-01/Accounts/AC00/Messages.json?PageSize=5"),
    ("http://127.0.0.1:4010", "https://messaging.twilio.com/v1/Services",
     "http://127.0.0.1:4010/v1/Services"),
])
def test_rebase(base_url, url, expected):
    """Scheme, host and path prefix come from the base URL; path and query from the request."""
    assert RebasingHttpClient(base_url).rebase(url) == expected


@pytest.mark.parametrize("base_url", ["127.0.0.1:4010", "ftp://host", "http://", "http://h?x=1", "http://h#f"])
def test_rejects_bad_base_url(base_url):
    """A base URL that is not http(s)://host[:port][/prefix] is refused."""
    with pytest.raises(ValueError, match="base_url"):
        RebasingHttpClient(base_url)


def test_factory_needs_credentials():
    """Both the account SID and the auth token are required."""
    with pytest.raises(ValueError):
        make_twilio_client("", "token")
    with pytest.raises(ValueError):
        make_twilio_client("AC00", "")


def test_client_for_an_account_uses_base_url():
    """TWILIO_API_BASE_URL aims the client elsewhere; without it requests go to Twilio."""
    client = twilio_client_for({"TWILIO_API_BASE_URL": "http://127.0.0.1:4010"}, "AC00", "t")
    assert client.http_client.base_url == "http://127.0.0.1:4010"
    client = twilio_client_for({}, "AC00", "t")
    assert client.http_client.rebase(MESSAGES) == MESSAGES


def test_no_headers_before_any_response():
    """Before a request there are no last-response headers."""
    assert last_response_headers(make_twilio_client("AC00", "t")) is None

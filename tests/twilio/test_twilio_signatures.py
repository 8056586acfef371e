"""X-Twilio-Signature: genuine signatures validate, forged or misplaced ones do not."""
import flask
import pytest
from werkzeug.datastructures import MultiDict

from twilio_gateway.signatures import SIGNATURE_HEADER, SignatureValidator, sign

TOKEN = "12345678901234567890123456789012"
PUBLIC = "https://uitkijk.example.org/twilio/sms/status?action=4821"
FORM = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered", "To": "+31612345678"}


def test_genuine_signature_validates():
    """A signature computed with the account's token over URL and form validates."""
    assert SignatureValidator(TOKEN).is_valid(PUBLIC, FORM, sign(TOKEN, PUBLIC, FORM))


@pytest.mark.parametrize("url, form, signature", [
    (PUBLIC, FORM, sign("another-token", PUBLIC, FORM)),
    (PUBLIC, {**FORM, "MessageStatus": "failed"}, sign(TOKEN, PUBLIC, FORM)),
    (PUBLIC.replace("4821", "4822"), FORM, sign(TOKEN, PUBLIC, FORM)),
    (PUBLIC, FORM, "bm90IGEgc2lnbmF0dXJl"),
    (PUBLIC, FORM, ""),
    (PUBLIC, FORM, None),
])
def test_forged_or_missing_signature_fails(url, form, signature):
    """Another token, a changed field, another URL, garbage or no signature: all refused."""
    assert not SignatureValidator(TOKEN).is_valid(url, form, signature)


def test_public_base_url_behind_proxy():
    """Behind a proxy the signature is checked against the public URL, not the one the app saw."""
    seen = "http://127.0.0.1:8000/twilio/sms/status?action=4821"
    signature = sign(TOKEN, PUBLIC, FORM)
    assert not SignatureValidator(TOKEN).is_valid(seen, FORM, signature)
    behind_proxy = SignatureValidator(TOKEN, public_base_url="https://uitkijk.example.org")
    assert behind_proxy.public_url(seen) == PUBLIC
    assert behind_proxy.is_valid(seen, FORM, signature)


def test_public_base_url_with_path_prefix():
    """A public base URL may carry the path prefix the proxy strips."""
    validator = SignatureValidator(TOKEN, public_base_url="https://example.org/uitkijk/")
    assert validator.public_url("http://app:8000/hook?a=1") == "https://example.org/uitkijk/hook?a=1"


def test_repeated_fields_are_all_signed():
    """A form field sent twice is signed with both values, from a dict of lists or a MultiDict."""
    form = MultiDict([("MediaUrl", "https://a.example/1"), ("MediaUrl", "https://a.example/2"), ("To", "+31612345678")])
    signature = sign(TOKEN, PUBLIC, {"MediaUrl": ["https://a.example/1", "https://a.example/2"], "To": "+31612345678"})
    validator = SignatureValidator(TOKEN)
    assert validator.is_valid(PUBLIC, form, signature)
    assert not validator.is_valid(PUBLIC, MultiDict([("MediaUrl", "https://a.example/1"), ("To", "+31612345678")]),
                                  signature)


@pytest.mark.parametrize("token, base", [("", None), (TOKEN, "uitkijk.example.org"), (TOKEN, "https://x?y=1")])
def test_rejects_bad_configuration(token, base):
    """An empty token or a public base URL that is not http(s)://host[/prefix] is refused."""
    with pytest.raises(ValueError):
        SignatureValidator(token, public_base_url=base)


def test_round_trip_through_flask():
    """A Flask view that checks request.url, form and header accepts a signed POST and refuses a forged one."""
    app = flask.Flask(__name__)
    validator = SignatureValidator(TOKEN, public_base_url="https://uitkijk.example.org")

    @app.post("/twilio/sms/status")
    def status():
        if not validator.is_valid(flask.request.url, flask.request.form, flask.request.headers.get(SIGNATURE_HEADER)):
            flask.abort(403)
        return "", 204

    client = app.test_client()
    good = client.post("/twilio/sms/status?action=4821", data=FORM,
                       headers={SIGNATURE_HEADER: sign(TOKEN, PUBLIC, FORM)})
    forged = client.post("/twilio/sms/status?action=4821", data={**FORM, "MessageStatus": "failed"},
                         headers={SIGNATURE_HEADER: sign(TOKEN, PUBLIC, FORM)})
    assert (good.status_code, forged.status_code) == (204, 403)

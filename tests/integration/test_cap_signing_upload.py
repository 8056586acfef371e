"""The CAP signing key an admin uploads in the web: checked, stored sealed, signing every document from then
on (verified by an independent consumer), rotated by a new upload; refused to anyone else and for bad pairs."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from sqlalchemy import select

from core import cap_keys
from core.configuration import rotate_secrets
from core.models import AuditEvent, CapSigningKey
from tests.conftest import app_for
from tests.integration.admin_web import csrf_token, login, make_user
from tests.publish_support import ATOM, amber_body, consume_cap, launch_approved, path_of

PAGE = "/config/partners/"


def _key(kind="rsa"):
    return ec.generate_private_key(ec.SECP256R1()) if kind == "ec" else rsa.generate_private_key(65537, 2048)


def _pem_key(key, password=None):
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _cert(key, name="Politie CAP signing (test)", days=30, expired=False):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(timezone.utc)
    start, end = (now - timedelta(days=60), now - timedelta(days=1)) if expired else (now - timedelta(days=1),
                                                                                     now + timedelta(days=days))
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def app(config):
    yield from app_for({**config, "PUBLIC_BASE_URL": "https://uitkijk.example.nl", "CAP_STATUS": "Test"})


@pytest.fixture
def admin(app):
    app.config["SECURE_COOKIES"] = False
    browser = app.test_client()
    login(browser, make_user(app, "admin"))
    return browser


def _upload(browser, key_pem, cert_pem):
    return browser.post(f"{PAGE}signing-key", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(browser, PAGE), "key": (io.BytesIO(key_pem), "cap-key.pem"),
        "certificate": (io.BytesIO(cert_pem), "cap-cert.pem")})


def _stored(app):
    with app.extensions["uitkijk"].db.session() as session:
        return session.scalars(select(CapSigningKey).order_by(CapSigningKey.id)).all()


def _latest_cap(client):
    entry = etree.fromstring(client.get("/publiek/cap.atom").get_data()).find(f"{ATOM}entry")
    link = next(link.get("href") for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate")
    return client.get(path_of(link)).get_data()


def test_an_uploaded_key_signs_is_stored_sealed_and_a_new_upload_rotates_it(app, client, auth, room, admin):
    first_key = _key()
    first_cert = _cert(first_key)
    response = _upload(admin, _pem_key(first_key), first_cert)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert "Politie CAP signing (test)" in admin.get(PAGE).get_data(as_text=True)
    launch_approved(client, json=amber_body(room), headers=auth)
    consume_cap(_latest_cap(client), first_cert)  # schema-valid, signed by the uploaded key
    assert client.get("/publiek/cap-certificaat.pem").get_data() == first_cert
    [row] = _stored(app)
    body = _pem_key(first_key).decode().splitlines()[1]
    assert set(row.key) == {"encrypted"} and body not in str(row.key)  # sealed, never the PEM itself

    second_key = _key()
    second_cert = _cert(second_key, "Politie CAP signing 2027 (test)")
    assert _upload(admin, _pem_key(second_key), second_cert).status_code == 302
    launch_approved(client, json=amber_body(room, client_request_id="second"), headers=auth)
    consume_cap(_latest_cap(client), second_cert)
    with pytest.raises(Exception):
        consume_cap(_latest_cap(client), first_cert)
    old, new = _stored(app)
    assert old.key is None and old.replaced_at is not None and old.cert_pem.encode() == first_cert
    assert new.replaced_at is None
    with app.extensions["uitkijk"].db.session() as session:
        uploads = session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "cap_signing_key")).all()
        assert [u.verb for u in uploads] == ["upload", "upload"]
        assert rotate_secrets(session, app.extensions["uitkijk"].config, "test") >= 1
    with app.extensions["uitkijk"].db.session() as session:
        pair = cap_keys.load(session, app.extensions["uitkijk"].config, new.id)
        assert pair.cert_pem == second_cert and b"PRIVATE KEY" in pair.key_pem


def _rsa_pair():
    key = _key()
    return _pem_key(key), _cert(key)


@pytest.mark.parametrize("case, field", [
    ("mismatched", "certificate"), ("garbage key", "key"), ("garbage certificate", "certificate"),
    ("expired", "certificate"), ("not RSA", "key"), ("passphrase", "key"), ("missing", "key"),
])
def test_a_bad_pair_is_refused_naming_the_part_and_nothing_is_stored(app, admin, case, field):
    key = _key()
    key_pem, cert_pem = _pem_key(key), _cert(key)
    if case == "mismatched":
        cert_pem = _cert(_key())
    elif case == "garbage key":
        key_pem = b"-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
    elif case == "garbage certificate":
        cert_pem = b"\x00\xffnot a certificate at all"
    elif case == "expired":
        cert_pem = _cert(key, expired=True)
    elif case == "not RSA":
        ec_key = _key("ec")
        key_pem, cert_pem = _pem_key(ec_key), _cert(ec_key)
    elif case == "passphrase":
        key_pem = _pem_key(key, b"geheim")
    elif case == "missing":
        key_pem = b""
    response = _upload(admin, key_pem, cert_pem)
    assert response.status_code == 400
    assert f"{field}:" in response.get_data(as_text=True)
    assert _stored(app) == []


@pytest.mark.parametrize("role", ["operator", "police", None])
def test_only_an_admin_may_upload_a_signing_key(app, role):
    app.config["SECURE_COOKIES"] = False
    browser = app.test_client()
    if role:
        login(browser, make_user(app, role))
    key_pem, cert_pem = _rsa_pair()
    response = browser.post(f"{PAGE}signing-key", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(browser, "/login"), "key": (io.BytesIO(key_pem), "k.pem"),
        "certificate": (io.BytesIO(cert_pem), "c.pem")})
    assert response.status_code in (302, 403) and _stored(app) == []
    if role:
        assert response.status_code == 403
    else:
        assert "/login" in response.headers["Location"]


def test_the_signing_key_is_installed_through_the_api_as_on_the_web(app, client):
    """A national token installs the pair (the key write-only, audited) and reads whose certificate signs; bad
    pairs are refused naming the part with nothing stored; a room-bound token may not touch it."""
    from lab import factories
    from tests.integration.test_api_control_rooms import token
    admin_api = token(app, ["configuration"])
    assert client.get("/api/partners/signing-key", headers=admin_api).status_code in (200, 404)
    key = _key()
    pair = {"key": _pem_key(key).decode(), "certificate": _cert(key, "Politie CAP (API)").decode()}
    for body, field in [({**pair, "key": "not a key"}, "key"), ({**pair, "certificate": _cert(_key()).decode()},
                                                                  "certificate"), ({"key": pair["key"]}, "certificate"),
                        ({**pair, "passphrase": "x"}, "passphrase")]:
        refused = client.put("/api/partners/signing-key", json=body, headers=admin_api)
        assert refused.status_code == 400 and refused.json["field"] == field
    assert _stored(app) == []
    installed = client.put("/api/partners/signing-key", json=pair, headers=admin_api)
    assert installed.status_code == 200 and "Politie CAP (API)" in installed.json["subject"]
    assert "key" not in installed.json
    assert client.get("/api/partners/signing-key", headers=admin_api).json == installed.json
    assert [row.subject for row in _stored(app)] == [installed.json["subject"]]
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(AuditEvent.verb).where(AuditEvent.subject_type == "cap_signing_key")) == "upload"
        room, _ = factories.control_room(session)
        room_id = room.id
    bound = token(app, ["configuration"], room_id=room_id)
    assert client.put("/api/partners/signing-key", json=pair, headers=bound).status_code == 403

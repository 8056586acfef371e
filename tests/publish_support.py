"""The receiving side of public alerts, written independently of `publish/`: a CAP consumer that
validates against the OASIS CAP 1.2 schema and verifies the XML signature, a display panel polling
the feeds with conditional requests, and a partner webhook receiver on loopback."""
import base64
import hashlib
import hmac
import io
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import xmlschema
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from rq import SimpleWorker
from PIL import Image
from signxml import XMLVerifier

from core import runtime
from lab import factories

ATOM = "{http://www.w3.org/2005/Atom}"
CAP_XSD = Path(__file__).parent / "fixtures" / "CAP-v1.2.xsd"
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
_SCHEMA = None


def signing_files(directory, common_name="Uitkijk CAP signing (test)"):
    """A fresh RSA key and self-signed certificate as PEM files; returns (key_path, cert_path, cert_pem)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    key_path, cert_path = Path(directory) / "cap-key.pem", Path(directory) / "cap-cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path.write_bytes(cert_pem)
    return str(key_path), str(cert_path), cert_pem


def signed_config(config, signing, **extra):
    """A test configuration that signs CAP documents with `signing` (from signing_files) and has a public address."""
    key, cert, _ = signing
    return {**config, "CAP_SIGNING_KEY_FILE": key, "CAP_SIGNING_CERT_FILE": cert,
            "PUBLIC_BASE_URL": "https://uitkijk.example.nl", **extra}


def schema():
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = xmlschema.XMLSchema(str(CAP_XSD))
    return _SCHEMA


def consume_cap(document, cert_pem):
    """What a CAP consumer does: schema-validate, verify the enveloped signature against the publisher's
    certificate, and read the signed content. Raises on any failure."""
    data = document.encode() if isinstance(document, str) else document
    schema().validate(io.BytesIO(data))
    root = etree.fromstring(data)
    signature = root.find(f"{DS}Signature")
    assert signature is not None and root[-1] is signature, "the signature is the alert's last child"
    reference = signature.find(f"{DS}SignedInfo/{DS}Reference")
    assert reference.get("URI") == ""
    method = signature.find(f"{DS}SignedInfo/{DS}SignatureMethod").get("Algorithm")
    assert method == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    c14n = signature.find(f"{DS}SignedInfo/{DS}CanonicalizationMethod").get("Algorithm")
    assert c14n == "http://www.w3.org/2001/10/xml-exc-c14n#"
    verified = XMLVerifier().verify(data, x509_cert=cert_pem.decode() if isinstance(cert_pem, bytes) else cert_pem)
    return verified.signed_xml


def cap_fields(alert):
    """The parts of a CAP alert the tests look at, per language."""
    def text(element, name):
        found = element.find(f"{CAP}{name}")
        return None if found is None else found.text
    infos = {}
    for info in alert.findall(f"{CAP}info"):
        area = info.find(f"{CAP}area")
        infos[text(info, "language")] = {
            **{n: text(info, n) for n in ("category", "event", "urgency", "severity", "certainty", "expires",
                                          "headline", "description", "instruction", "web", "responseType")},
            "resources": [text(r, "uri") for r in info.findall(f"{CAP}resource")],
            "areaDesc": text(area, "areaDesc"), "circle": text(area, "circle"),
            "polygons": [p.text for p in area.findall(f"{CAP}polygon")],
        }
    return {**{n: text(alert, n) for n in ("identifier", "sender", "sent", "status", "msgType", "scope",
                                           "references")}, "info": infos}


def jpeg_with_gps(width=1600, height=1200):
    """A photo as a phone takes it: large, with EXIF (camera and GPS position)."""
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (52.0, 18.0, 28.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def amber_body(room, **extra):
    """The API launch of a national AMBER alert with a photo, for `room` = (control room, operator)."""
    room_, operator = room
    body = factories.launch_body(room_, operator, kind="amber_alert", title="Sanne (8) vermist",
                                 message="Meisje van 8, blond haar, roze jas, mogelijk in een grijze bestelbus.",
                                 area={"type": "country"}, photos=[b64(jpeg_with_gps())])
    body.update(extra)
    return body


def launch_approved(client, json=None, headers=None):
    """POST a launch to the API; one that waits for four eyes (a national or regional AMBER alert) is approved
    by a second token, as a colleague would (core.approvals). The launch's answer (201, the action) either way."""
    from core.tokens import create_token
    response = client.post("/api/actions", json=json, headers=headers)
    if response.status_code != 202:
        return response
    with client.application.extensions["uitkijk"].db.session() as session:
        second = create_token(session, f"second-{response.json['approval']['id']}", ["approvals"], "test")
    return client.post(f"/api/approvals/{response.json['approval']['id']}/approve",
                       headers={"Authorization": f"Bearer {second}"})


def path_of(url):
    """The path of a public URL under the tests' PUBLIC_BASE_URL."""
    return url.split("uitkijk.example.nl", 1)[1]


def b64(data):
    return base64.b64encode(data).decode()


class DisplayPanel:
    """A station display polling a feed the way vendors do: If-None-Match and If-Modified-Since."""

    def __init__(self, client, path):
        self.client, self.path = client, path
        self.etag = self.last_modified = None
        self.body = None
        self.statuses = []

    def poll(self):
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        response = self.client.get(self.path, headers=headers)
        self.statuses.append(response.status_code)
        if response.status_code == 200:
            self.etag = response.headers.get("ETag")
            self.last_modified = response.headers.get("Last-Modified")
            self.body = response.get_data()
        return response.status_code


class WebhookReceiver:
    """A partner's webhook endpoint on loopback: checks the HMAC signature and the timestamp,
    answers 500 to the first `fail_first` deliveries, and records what it accepted."""

    def __init__(self, secret=None, fail_first=0, host="127.0.0.1", port=0):
        self.secret = secret
        self.fail_first = fail_first
        self.attempts = []  # (status answered, headers, body)
        self.accepted = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.answer(dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://{self.server.server_address[0]}:{self.server.server_port}/uitkijk"

    def signature_ok(self, headers, body):
        timestamp = headers.get("X-Uitkijk-Timestamp", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + body,
                                        hashlib.sha256).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        return fresh and hmac.compare_digest(expected, headers.get("X-Uitkijk-Signature", ""))

    def answer(self, headers, body):
        with self.lock:
            if not self.signature_ok(headers, body):
                status = 401
            elif self.fail_first > 0:
                self.fail_first -= 1
                status = 500
            else:
                status = 200
                self.accepted.append(json.loads(body))
            self.attempts.append((status, headers, body))
            return status

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


WAIT_S = 60


def work_until(done):
    """Run the queues (with RQ's scheduler, which holds the retries) until done() or WAIT_S passes."""
    rt = runtime.get()
    deadline = time.monotonic() + WAIT_S
    while not done() and time.monotonic() < deadline:
        SimpleWorker(rt.queues.in_priority_order(), connection=rt.redis).work(
            burst=True, with_scheduler=True, logging_level="ERROR")
        time.sleep(0.2)

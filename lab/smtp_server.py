"""A real receiving MTA for tests and benchmarks: aiosmtpd on loopback with STARTTLS and AUTH.

It behaves like a strict relay: STARTTLS before anything, AUTH before MAIL, a self-signed
certificate (its CA file is given to the client). Recipients whose local part starts with
`bounce` are refused with 550 at RCPT, `tempfail` ones with 451 the first time, `reject` ones
with 554 after DATA. Every accepted message is kept as received, with the time it arrived and the
connection it came over; the relay also counts the most connections it had open at once.
"""
import datetime
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple
    data: bytes
    at: float
    connection: int = 0  # which connection (numbered from 1 as they were opened) brought it


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(directory):
    """(cert file, key file) for 127.0.0.1/localhost, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "uitkijk test relay")])
    now = datetime.datetime.now(datetime.timezone.utc)
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = Path(directory) / "relay.crt", Path(directory) / "relay.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.partition("@")[0].lower()
        if local.startswith("bounce"):
            return "550 5.1.1 <%s>: no such user here" % address
        if local.startswith("tempfail"):
            with self.server.lock:
                seen = self.server.tempfailed.get(address, 0)
                self.server.tempfailed[address] = seen + 1
            if seen == 0:
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.partition("@")[0].lower().startswith("reject") for r in envelope.rcpt_tos):
            return "554 5.7.1 message refused"
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos),
                                                 envelope.original_content or envelope.content, time.time(),
                                                 server.connection_number))
        return "250 2.0.0 queued"


class _CountedSMTP(SMTP):
    """aiosmtpd's SMTP session, telling the relay when its connection opens and closes (STARTTLS
    makes the same connection 'made' twice)."""

    def __init__(self, handler, relay, **kwargs):
        super().__init__(handler, **kwargs)
        self.relay, self.connection_number = relay, 0

    def connection_made(self, transport):
        if not self.connection_number:
            self.connection_number = self.relay.opened()
        super().connection_made(transport)

    def connection_lost(self, error):
        self.relay.closed(self.connection_number)
        super().connection_lost(error)


class _Controller(Controller):
    def __init__(self, handler, relay, **kwargs):
        self.relay = relay
        super().__init__(handler, **kwargs)

    def factory(self):
        return _CountedSMTP(self.handler, self.relay, **self.SMTP_kwargs)


class LabRelay:
    """Start with `with LabRelay() as relay:`; `relay.config()` gives the SMTP_* keys pointing at it."""

    def __init__(self, user="uitkijk", password="relay-secret", implicit_tls=False):
        self.user, self.password = user, password
        self.implicit_tls = implicit_tls
        self.received = []
        self.tempfailed = {}
        self.lock = threading.Lock()
        self.open_connections, self.connections, self.most_open = set(), 0, 0
        self._dir = tempfile.TemporaryDirectory(prefix="uitkijk-relay-")
        self.cert_file, self.key_file = self_signed(self._dir.name)
        self.port = _free_port()

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == self.user \
            and auth_data.password.decode() == self.password
        return AuthResult(success=ok)

    def __enter__(self):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        kwargs = dict(hostname="127.0.0.1", port=self.port, authenticator=self._authenticate,
                      auth_required=True, auth_require_tls=True)
        if self.implicit_tls:
            # The whole connection is TLS; aiosmtpd's AUTH-over-TLS check only knows STARTTLS.
            kwargs.update(ssl_context=context, auth_require_tls=False)
        else:
            kwargs.update(tls_context=context, require_starttls=True)
        self.controller = _Controller(_Handler(self), self, **kwargs)
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
        self._dir.cleanup()

    def config(self):
        return {"MAIL_TRANSPORT": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port,
                "SMTP_SECURITY": "tls" if self.implicit_tls else "starttls", "SMTP_USER": self.user,
                "SMTP_PASSWORD": self.password, "SMTP_CA_FILE": str(self.cert_file)}

    def opened(self):
        with self.lock:
            self.connections += 1
            self.open_connections.add(self.connections)
            self.most_open = max(self.most_open, len(self.open_connections))
            return self.connections

    def closed(self, number):
        with self.lock:
            self.open_connections.discard(number)

    def messages(self):
        with self.lock:
            return list(self.received)

    def wait_for(self, count, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages()) >= count:
                return self.messages()
            time.sleep(0.05)
        return self.messages()

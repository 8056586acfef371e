"""Mail transports for the core: the console (the outbox table, `make run`'s default) and an SMTP relay.

The SMTP transport talks to one configured relay (STARTTLS or implicit TLS, AUTH), within the
relay's limits across every worker: at most MAIL_RATE_PER_S x MAIL_RATE_WINDOW_S mails in any
window (core.send_window) over at most SMTP_MAX_CONNECTIONS connections (core.connection_slots),
one connection kept for a job's batch. The relay's answers become the core's failures: 4xx is
TransientFailure (tried again), 5xx at RCPT is HardBounce, any other 5xx PermanentFailure (never
retried).
"""
import contextlib
import logging
import smtplib
import socket
import ssl
import threading

from redis import Redis

from core.connection_slots import ConnectionSlots
from core.mail_address import masked_address
from core.models import OutboxMessage
from core.send_window import SendWindow
from core.secrets import reveal_setting
from core.transports import HardBounce, PermanentFailure, SendResult, TransientFailure

from .compose import compose
from .dkim_signing import DkimSigner

log = logging.getLogger(__name__)

# A relay connection's slot is renewed by a thread of its holder while open, so its lease is short
# whatever the holder waits for: a worker killed with its connection open frees the slot within this.
SLOT_LEASE_S = 5.0


class ConsoleMailTransport:
    """Writes each mail, exactly as it would go over SMTP, into the outbox instead of a relay."""

    name = "console-email"

    def __init__(self, signer=None):
        self.signer = signer

    def batch(self):
        return contextlib.nullcontext()

    def send(self, session, mail):
        msg, reference = compose(mail)
        raw = self.signer.sign(msg) if self.signer else msg.as_bytes()
        session.add(OutboxMessage(delivery_id=mail.delivery_id, transport=self.name, channel="email", to_e164="",
                                  to_address=mail.to_address, body=raw.decode("utf-8", "replace")))
        session.flush()
        return SendResult(provider_ref=reference)

    send_direct = send


class SmtpTransport:
    """Sends through the relay at SMTP_HOST:SMTP_PORT."""

    name = "smtp"

    def __init__(self, config, window=None, slots=None, signer=None):
        self.host, self.port = config["SMTP_HOST"], int(config["SMTP_PORT"])
        self.security = config["SMTP_SECURITY"]
        if self.security not in ("starttls", "tls", "none"):
            raise ValueError(f"SMTP_SECURITY={self.security!r}: expected starttls, tls or none")
        self.user = config["SMTP_USER"]
        self.password = reveal_setting(config, config["SMTP_PASSWORD"]) if config["SMTP_PASSWORD"] else ""
        self.timeout = float(config["SMTP_TIMEOUT_S"])
        self.context = ssl.create_default_context(cafile=config.get("SMTP_CA_FILE") or None)
        self.window = window
        self.slots = slots
        self.signer = signer
        self._local = threading.local()

    @property
    def relay(self):
        return f"{self.host}:{self.port}"

    def _connect(self):
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        smtp.ehlo()
        if self.security == "starttls":
            smtp.starttls(context=self.context)
            smtp.ehlo()
        if self.user:
            smtp.login(self.user, self.password)
        return smtp

    @contextlib.contextmanager
    def batch(self):
        """Keep one connection to the relay for the sends inside."""
        self._local.keep = True
        try:
            yield
        finally:
            self._local.keep = False
            self._close()

    def _close(self):
        smtp = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()
        slot, self._local.slot = getattr(self._local, "slot", None), None
        if slot is not None:
            self.slots.give_back(slot)

    def send(self, session, mail):
        msg, reference = compose(mail)
        raw = self.signer.sign(msg) if self.signer else msg.as_bytes()
        try:
            self._deliver(mail, raw)
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            # A kept connection the relay closed meanwhile: one fresh try, then it is the relay's problem.
            self._close()
            self._deliver_classified(mail, raw)
        finally:
            if not getattr(self._local, "keep", False):
                self._close()
        log.info("mail %s to %s accepted by %s", reference, masked_address(mail.to_address), self.relay)
        return SendResult(provider_ref=reference)

    send_direct = send

    def _deliver(self, mail, raw):
        """One SMTP transaction; only DATA, where the relay takes the mail, counts in the rate window.

        The connection (STARTTLS, AUTH) and the envelope (MAIL FROM, RCPT TO) come before it, so a
        handshake or a slow round trip holds no place in the window.
        """
        if getattr(self._local, "smtp", None) is None:
            self._local.smtp = self._open()
        smtp = self._local.smtp
        try:
            options = [] if (mail.from_address + mail.to_address).isascii() else ["SMTPUTF8"]
            code, text = smtp.mail(mail.from_address, options)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, text, mail.from_address)
            code, text = smtp.rcpt(mail.to_address)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({mail.to_address: (code, text)})
            self._hold_connection()
            token = self._admit()
            try:
                code, text = smtp.data(raw)
            finally:
                if token is not None:
                    self.window.done(token)
            if code != 250:
                raise smtplib.SMTPDataError(code, text)
        except smtplib.SMTPServerDisconnected:
            raise
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self._reset()
            if 400 <= code < 500:
                raise TransientFailure(f"{code} {_text(text)}") from None
            raise HardBounce(code, _text(text)) from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            if 400 <= exc.smtp_code < 500:
                raise TransientFailure(f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
            raise PermanentFailure(exc.smtp_code, _text(exc.smtp_error)) from None

    def _admit(self):
        """Room in the relay's rate window (a token for done()); none in time leaves the envelope reset and
        the mail for later."""
        if self.window is None:
            return None
        try:
            return self.window.admit()
        except TransientFailure:
            self._reset()
            raise

    def _hold_connection(self):
        """Check this connection's slot is still held; one lost meanwhile (its lease ran out, another holder
        may have it) closes the connection."""
        slot = getattr(self._local, "slot", None)
        if slot is not None and not self.slots.renew(slot):
            self._close()
            raise TransientFailure(f"relay {self.relay}: connection slot lost, all in use")

    def _deliver_classified(self, mail, raw):
        try:
            self._deliver(mail, raw)
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            self._close()
            raise TransientFailure(f"relay {self.relay} dropped the connection: {exc}") from None

    def _open(self):
        """A new connection, in one of the relay's connection slots."""
        if self.slots is not None:
            self._local.slot = self.slots.take()
        try:
            return self._connect_classified()
        except TransientFailure:
            self._close()
            raise

    def _connect_classified(self):
        try:
            return self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            raise TransientFailure(f"relay {self.relay} refused the login ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            raise TransientFailure(f"relay {self.relay} answered {exc.smtp_code} {_text(exc.smtp_error)}") from None
        except (OSError, smtplib.SMTPException, ssl.SSLError, socket.timeout) as exc:
            raise TransientFailure(f"relay {self.relay} unreachable: {exc.__class__.__name__}") from None

    def _reset(self):
        """After a refusal the connection is still good; RSET so the next mail starts clean."""
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self._local.smtp.rset()


def _text(raw):
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))[:150]


def _signer(config):
    return DkimSigner.from_config(config) if config.get("MAIL_DKIM_KEY_FILE") else None


def console_transport(config):
    return ConsoleMailTransport(_signer(config))


def relay_limits(config, redis):
    """(SendWindow, ConnectionSlots) of the configured relay, shared by every process with the same QUEUE_PREFIX."""
    prefix, relay = config.get("QUEUE_PREFIX", "uitkijk"), f"{config['SMTP_HOST']}:{config['SMTP_PORT']}"
    max_wait, timeout = float(config["MAIL_MAX_WAIT_S"]), float(config["SMTP_TIMEOUT_S"])
    window = SendWindow(redis, f"{prefix}:mail-window:{relay}", float(config["MAIL_RATE_PER_S"]),
                        float(config["MAIL_RATE_WINDOW_S"]), lease_s=2 * timeout, max_wait_s=max_wait)
    slots = ConnectionSlots(redis, f"{prefix}:smtp-connections:{relay}", int(config["SMTP_MAX_CONNECTIONS"]),
                            lease_s=SLOT_LEASE_S, max_wait_s=max_wait)
    return window, slots


def smtp_transport(config):
    window, slots = relay_limits(config, Redis.from_url(config["REDIS_URL"]))
    return SmtpTransport(config, window, slots, _signer(config))

"""Signed webhook POSTs, shared by the partners' publication webhooks and the action-event webhooks.

Only addresses on the public internet are posted to (unless WEBHOOK_PRIVATE_ADDRESSES): whoever may
create a subscription must not make this server reach its own network (SSRF). The name is checked when
the subscription is made (a literal address); before each POST it is resolved once, every address it
gives is checked, and the connection goes to the checked address (the name still in Host and, for https,
in SNI and the certificate check): a name whose answer changes between check and connect (DNS
rebinding) cannot slip an inside address past the check.

The signature is an HMAC-SHA256, with the subscriber's secret, of "<timestamp>.<body>": headers
X-Uitkijk-Timestamp and X-Uitkijk-Signature: sha256=<hex>. A receiver checks it and that the timestamp is
recent, so a forged, altered or replayed body is refused. Redirects are not followed (a 3xx is a failure).
"""
import hashlib
import hmac
import ipaddress
import logging
import random
import socket
import time
from urllib.parse import urlsplit

from datetime import timedelta

import certifi
import urllib3

from .errors import ValidationError
from .models import utcnow

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Uitkijk-Signature"
TIMESTAMP_HEADER = "X-Uitkijk-Timestamp"
EVENT_HEADER = "X-Uitkijk-Event"


def check_url(url, config):
    """The receiver's address, trimmed; ValidationError("url") unless http(s), at most 500 characters, and
    not a literal inside address (or localhost) while WEBHOOK_PRIVATE_ADDRESSES is off."""
    url = (url or "").strip() if isinstance(url, str) or url is None else None
    parts = urlsplit(url or "")
    if url is None or parts.scheme not in ("https", "http") or not parts.hostname or len(url) > 500:
        raise ValidationError("url", "must be an http(s) address of at most 500 characters")
    if not config["WEBHOOK_PRIVATE_ADDRESSES"] and _inside(parts.hostname):
        raise ValidationError("url", "must be an address on the internet, not loopback, private or link-local")
    return url


def _inside(host):
    """Whether a host name is localhost or a literal non-public IP address (names are resolved at send)."""
    if host.rstrip(".").lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def _public(address):
    return ipaddress.ip_address(address.split("%")[0]).is_global


def _pinned_address(host, port, private_ok):
    """(address to connect to, None), or (None, why not): the host is resolved once here and only here."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except OSError:
        return None, "the address does not resolve"
    addresses = [info[4][0] for info in infos]
    if not addresses:
        return None, "the address does not resolve"
    if not private_ok and not all(_public(a) for a in addresses):
        return None, "refused: the address resolves to a loopback, private or link-local address"
    return addresses[0], None


def _pool(scheme, host, address, port, timeout):
    """A connection pool to the pinned address that still speaks to `host` (TLS: SNI and certificate)."""
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1,
                                           server_hostname=host, assert_hostname=host,
                                           cert_reqs="CERT_REQUIRED", ca_certs=certifi.where())
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)


def signature(secret, timestamp, body):
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def post_signed(url, secret, body, headers, timeout, agent, private_ok=False):
    """POST the body signed now, with the subscription kind's own `headers` (its event type, say) beside
    ours; returns (HTTP status or None, error text or None when 2xx)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address, refused = _pinned_address(parts.hostname, port, private_ok)
    if refused:
        return None, refused
    timestamp = str(int(time.time()))
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    headers = {**headers, "Host": host if parts.port is None else f"{host}:{parts.port}",
               "Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
               SIGNATURE_HEADER: signature(secret, timestamp, body), "User-Agent": agent}
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    pool = _pool(parts.scheme, parts.hostname, address, port, timeout)
    try:
        response = pool.urlopen("POST", target, body=body, headers=headers, redirect=False, retries=False,
                                assert_same_host=False)
    except urllib3.exceptions.HTTPError as exc:
        return None, exc.__class__.__name__
    finally:
        pool.close()
    status = response.status
    return status, None if 200 <= status < 300 else f"HTTP {status}"


def attempt(rt, model, delivery_id, prepare, job, agent):
    """One attempt of a delivery-log row (a models.WebhookAttempts) from an RQ job, idempotent: a row no
    longer queued is left alone. prepare(session, row) gives (url, secret, body, headers), or None when it
    settled the row itself. A failure is retried by re-enqueueing `job` after a wait growing from
    PARTNER_RETRY_BASE_S up to PARTNER_RETRY_MAX_S (jitter keeps receivers coming back from being hit at
    once), until PARTNER_MAX_ATTEMPTS. Returns the row's state."""
    config = rt.config
    with rt.db.session() as session:
        row = session.get(model, delivery_id, with_for_update=True)
        if row is None or row.state != "queued":
            return row.state if row else None
        request = prepare(session, row)
        if request is None:
            return row.state
        row.attempts += 1
        row.last_attempt_at = utcnow()
        attempts = row.attempts
    url, secret, body, headers = request
    status, error = post_signed(url, secret, body, headers, config["PARTNER_TIMEOUT_S"], agent,
                                config["WEBHOOK_PRIVATE_ADDRESSES"])
    with rt.db.session() as session:
        row = session.get(model, delivery_id, with_for_update=True)
        row.last_status, row.next_attempt_at = status, None
        if error is None:
            row.state, row.delivered_at, row.last_error = "delivered", utcnow(), None
            return row.state
        row.last_error = error[:200]
        if attempts >= config["PARTNER_MAX_ATTEMPTS"]:
            row.state = "failed"
            log.warning("%s %s failed for good after %d attempts: %s", model.__tablename__, delivery_id,
                        attempts, error)
            return row.state
        delay = min(config["PARTNER_RETRY_MAX_S"], config["PARTNER_RETRY_BASE_S"] * 2 ** (attempts - 1))
        delay *= random.uniform(1.0, 1.2)
        row.next_attempt_at = utcnow() + timedelta(seconds=delay)
    rt.queues.urgent.enqueue_in(timedelta(seconds=delay), job, delivery_id, result_ttl=0)
    log.info("%s %s: %s, attempt %d, next in %.0f s", model.__tablename__, delivery_id, error, attempts, delay)
    return "queued"

"""Bounces read from the bounce mailbox: delivery-status notifications (RFC 3464) in a Maildir.

Only a permanent failure (Action: failed, Status 5.x.x) counts as a hard bounce; delays and
4.x.x are the relay's to retry. The DSN names our mail by its Message-ID (in the returned
headers), which is how the ledger's delivery is found.
"""
import email
import email.policy
import logging
import mailbox
import re
from dataclasses import dataclass

from core.mail_address import bounce_from_dsn

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bounce:
    reference: str  # the local part of our Message-ID: the ledger's provider_ref
    recipient: str | None
    status: str
    diagnostic: str


def parse_dsn(raw):
    """The hard bounces a DSN reports, or [] when it is no DSN or reports nothing permanent."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if msg.get_content_type() != "multipart/report" or msg.get_param("report-type") != "delivery-status":
        return []
    reference = None
    bounces = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            reference = reference or _reference(part)
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for fields in _status_groups(part):
            action = fields.get("action", "").lower()
            status = fields.get("status", "")
            if action == "failed" and status.startswith("5"):
                recipient = fields.get("final-recipient", "").partition(";")[2].strip() or None
                bounces.append((recipient, status, fields.get("diagnostic-code", "")[:150]))
    if reference is None:
        return []
    return [Bounce(reference, recipient, status, diagnostic) for recipient, status, diagnostic in bounces]


def _reference(part):
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()[0] if part.is_multipart() else None
        header = inner["Message-ID"] if inner is not None else None
    else:
        text = part.get_payload(decode=True) or b""
        header = email.message_from_bytes(text, policy=email.policy.default)["Message-ID"]
    match = re.match(r"\s*<([^@>]+)@", str(header or ""))
    return match.group(1)[:64] if match else None


def _status_groups(part):
    """The per-recipient field groups of a message/delivery-status part, as {lowercase name: value}."""
    payload = part.get_payload()
    texts = ([p.as_string() for p in payload] if isinstance(payload, list)
             else [(part.get_payload(decode=True) or b"").decode("utf-8", "replace")])
    groups = []
    for block in "\n\n".join(texts).replace("\r\n", "\n").split("\n\n"):
        fields = {}
        for line in block.splitlines():
            name, sep, value = line.partition(":")
            if sep and not line[:1].isspace():
                fields[name.strip().lower()] = value.strip()
        if "action" in fields:
            groups.append(fields)
    return groups


def read_maildir(path):
    """(key, [Bounce]) per new message in the Maildir; the caller removes a message once it is recorded."""
    box = mailbox.Maildir(path, factory=None, create=False)
    for key in list(box.keys()):
        try:
            raw = box.get_bytes(key)
        except KeyError:
            continue
        yield box, key, parse_dsn(raw)


def process_bounce_mailbox(session, path):
    """Record every hard bounce in the Maildir and remove the DSNs read; returns how many bounces matched."""
    matched = 0
    for box, key, bounces in read_maildir(path):
        for bounce in bounces:
            if bounce_from_dsn(session, bounce.reference, bounce.recipient,
                               f"{bounce.status} {bounce.diagnostic}".strip()):
                matched += 1
        session.commit()
        box.remove(key)
    return matched

"""The CAP signing key and certificate an admin uploads in the web (the alternative to the key files).

An upload is checked before anything is stored: both parts PEM, an RSA key of at least 2048 bits
without a passphrase, a certificate valid now whose public key is the key's. The key is stored sealed
like trunk secrets (core.secrets: encrypted with TRUNK_SECRET_KEY, rotated with them). The newest
upload signs; the one it replaces has its key destroyed at once, its certificate kept, so documents
signed before can still be checked.
"""
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select, update

from . import audit, secrets
from .errors import ValidationError
from .models import CapSigningKey, utcnow

MIN_RSA_BITS = 2048
MAX_PEM_BYTES = 32_000


@dataclass(frozen=True)
class SigningPair:
    """The PEM key and certificate that sign now; `id` names the upload (None: the configured files)."""

    id: int | None
    key_pem: bytes
    cert_pem: bytes


def _pem(value, field):
    if isinstance(value, str):
        value = value.encode()
    if not isinstance(value, bytes) or not value.strip():
        raise ValidationError(field, "is missing: choose a PEM file")
    if len(value) > MAX_PEM_BYTES:
        raise ValidationError(field, "is too large for a PEM key or certificate")
    return value


def check_pair(key_pem, cert_pem, now=None):
    """The checked pair as (PKCS#8 key PEM, certificate); ValidationError names the part that is wrong."""
    key_pem, cert_pem = _pem(key_pem, "key"), _pem(cert_pem, "certificate")
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except TypeError:
        raise ValidationError("key", "is protected by a passphrase: upload it without one (it is stored sealed)") \
            from None
    except (ValueError, UnsupportedAlgorithm):
        raise ValidationError("key", "is not a PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValidationError("key", "must be an RSA key (CAP signatures here are RSA-SHA256)")
    if key.key_size < MIN_RSA_BITS:
        raise ValidationError("key", "must have at least %(bits)s bits", bits=MIN_RSA_BITS)
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError:
        raise ValidationError("certificate", "is not a PEM certificate") from None
    public = cert.public_key()
    if not isinstance(public, rsa.RSAPublicKey) or public.public_numbers() != key.public_key().public_numbers():
        raise ValidationError("certificate", "does not belong to this key")
    now = now or utcnow()
    if cert.not_valid_after_utc <= now:
        raise ValidationError("certificate", "expired on %(date)s", date=f"{cert.not_valid_after_utc:%Y-%m-%d}")
    if cert.not_valid_before_utc > now:
        raise ValidationError("certificate", "is not valid before %(date)s",
                              date=f"{cert.not_valid_before_utc:%Y-%m-%d}")
    normalised = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())
    return normalised, cert


def describe_certificate(cert_pem):
    """What an admin checks when rotating: whose certificate, its fingerprint, until when."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    return {"subject": cert.subject.rfc4514_string(), "not_after": cert.not_valid_after_utc,
            "sha256": cert.fingerprint(hashes.SHA256()).hex(":")}


def upload(session, config, key_pem, cert_pem, actor):
    """Store a checked pair as the one that signs from now on; the key it replaces is destroyed."""
    key, cert = check_pair(key_pem, cert_pem)
    cert_text = cert.public_bytes(serialization.Encoding.PEM).decode()
    facts = describe_certificate(cert_text.encode())
    now = utcnow()
    session.execute(update(CapSigningKey).where(CapSigningKey.replaced_at.is_(None))
                    .values(key=None, replaced_at=now))
    row = CapSigningKey(cert_pem=cert_text, key=secrets.seal(config, key.decode()), subject=facts["subject"][:300],
                        sha256=facts["sha256"], not_after=facts["not_after"], uploaded_by=actor, uploaded_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "upload", "cap_signing_key", row.id,
                 {"subject": row.subject, "sha256": row.sha256, "not_after": row.not_after.isoformat()})
    return row


def current_id(session):
    """The id of the upload that signs now, or None."""
    return session.scalar(select(CapSigningKey.id).where(CapSigningKey.replaced_at.is_(None))
                          .order_by(CapSigningKey.id.desc()).limit(1))


def load(session, config, key_id):
    """The SigningPair of an upload (its key unsealed: for signing only, never for display or logs)."""
    row = session.get(CapSigningKey, key_id)
    return SigningPair(row.id, secrets.reveal(config, row.key).encode(), row.cert_pem.encode())


def rotate_sealed(session, config):
    """Seal the signing key again with the newest TRUNK_SECRET_KEY; returns how many were rewritten."""
    count = 0
    for row in session.scalars(select(CapSigningKey).where(CapSigningKey.key.is_not(None))):
        if "encrypted" in row.key:
            row.key = secrets.rotate(config, row.key)
            count += 1
    return count

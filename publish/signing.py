"""Enveloped XML signatures on CAP documents: RSA-SHA256, exclusive canonicalisation, Reference URI="".

The admin configures a PEM key and its certificate (CAP_SIGNING_KEY_FILE, CAP_SIGNING_CERT_FILE);
the certificate travels in each signature's KeyInfo so consumers can check it against the one we publish.
"""
import logging
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from lxml import etree
from signxml import SignatureMethod, DigestAlgorithm, XMLSigner

log = logging.getLogger(__name__)

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


class CapSigner:
    def __init__(self, key_pem, cert_pem):
        self.key_pem = key_pem
        self.cert_pem = cert_pem
        self._signer = XMLSigner(signature_algorithm=SignatureMethod.RSA_SHA256,
                                 digest_algorithm=DigestAlgorithm.SHA256, c14n_algorithm=EXC_C14N)

    def sign(self, alert):
        """The alert element with a ds:Signature appended as its last child (the CAP schema's slot for it)."""
        return self._signer.sign(alert, key=self.key_pem, cert=self.cert_pem)

    def describe(self):
        """What an admin checks when rotating: whose certificate, its fingerprint, until when."""
        cert = x509.load_pem_x509_certificate(self.cert_pem)
        return {"subject": cert.subject.rfc4514_string(), "not_after": cert.not_valid_after_utc,
                "sha256": cert.fingerprint(hashes.SHA256()).hex(":")}

    @classmethod
    def from_config(cls, config):
        """The configured signer, or None (documents go out unsigned, and the log says so)."""
        key_file, cert_file = config.get("CAP_SIGNING_KEY_FILE"), config.get("CAP_SIGNING_CERT_FILE")
        if not key_file or not cert_file:
            log.warning("CAP_SIGNING_KEY_FILE / CAP_SIGNING_CERT_FILE not set: CAP documents are not signed")
            return None
        return cls(Path(key_file).read_bytes(), Path(cert_file).read_bytes())


def serialise(element):
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8").decode()

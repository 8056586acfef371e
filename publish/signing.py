"""Enveloped XML signatures on CAP documents: RSA-SHA256, exclusive canonicalisation, Reference URI="".

The admin uploads a PEM key and its certificate in the web (core.cap_keys, stored sealed), or
configures them as files (CAP_SIGNING_KEY_FILE, CAP_SIGNING_CERT_FILE); an upload wins. The
certificate travels in each signature's KeyInfo so consumers can check it against the one we publish.
"""
import logging
from pathlib import Path

from lxml import etree
from signxml import SignatureMethod, DigestAlgorithm, XMLSigner

from core import cap_keys
from core.cap_keys import describe_certificate

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
        return describe_certificate(self.cert_pem)

    @classmethod
    def from_config(cls, config):
        """The signer of the configured key files, or None."""
        key_file, cert_file = config.get("CAP_SIGNING_KEY_FILE"), config.get("CAP_SIGNING_CERT_FILE")
        if not key_file or not cert_file:
            return None
        return cls(Path(key_file).read_bytes(), Path(cert_file).read_bytes())


class Signers:
    """The signer in use: the newest upload (unsealed once per process and upload), else the key files."""

    def __init__(self, config):
        self.config = config
        self._files = CapSigner.from_config(config)
        self._uploaded = (None, None)  # (upload id, CapSigner)
        self._warned = False

    def current(self, session):
        """The CapSigner that signs now, or None (documents go out unsigned, and the log says so once)."""
        key_id = cap_keys.current_id(session)
        if key_id is None:
            if self._files is None and not self._warned:
                self._warned = True
                log.warning("no CAP signing key uploaded and CAP_SIGNING_KEY_FILE / CAP_SIGNING_CERT_FILE not set: "
                            "CAP documents are not signed")
            return self._files
        if self._uploaded[0] != key_id:
            pair = cap_keys.load(session, self.config, key_id)
            self._uploaded = (key_id, CapSigner(pair.key_pem, pair.cert_pem))
        return self._uploaded[1]


def serialise(element):
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8").decode()

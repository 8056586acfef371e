"""DKIM signatures (dkimpy) for every outgoing mail when MAIL_DKIM_KEY_FILE is configured."""
from pathlib import Path

import dkim

SIGNED_HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"list-unsubscribe",
                  b"list-unsubscribe-post", b"mime-version", b"content-type")


class DkimSigner:
    def __init__(self, private_key_pem, selector, domain=None):
        self.key = private_key_pem
        self.selector = selector.encode()
        self.domain = domain.encode() if domain else None

    @classmethod
    def from_config(cls, config):
        return cls(Path(config["MAIL_DKIM_KEY_FILE"]).read_bytes(), config["MAIL_DKIM_SELECTOR"],
                   config.get("MAIL_DKIM_DOMAIN") or None)

    def sign(self, msg):
        """The message as bytes with its DKIM-Signature header in front (signed for the From domain)."""
        raw = msg.as_bytes()
        domain = self.domain or msg["From"].addresses[0].domain.encode()
        present = {name.lower().encode() for name in msg.keys()}
        headers = [h for h in SIGNED_HEADERS if h in present]
        return dkim.sign(raw, self.selector, domain, self.key, include_headers=headers) + raw

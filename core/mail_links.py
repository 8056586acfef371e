"""The signed links in a mail: the personal reply page, one-click unsubscribe, address confirmation.

Each link is an itsdangerous token with its own salt, so a token for one purpose never opens
another. Reply and confirmation links expire; an unsubscribe link works for as long as the mail
may be read (RFC 8058 asks that it keep working).
"""
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
MAIL_KINDS = ("inquiries", "information", "alerts")


class LinkRefused(ValueError):
    """A mail link that is forged, for another purpose, or expired; `reason` is for the participant."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def base_url(config):
    return (config.get("MAIL_LINK_BASE_URL") or config.get("PUBLIC_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


class MailLinks:
    def __init__(self, config):
        self.config = config
        self.base = base_url(config)
        self._secret = config["SECRET_KEY"]

    def _serializer(self, purpose):
        return URLSafeTimedSerializer(self._secret, salt=f"uitkijk-mail-{purpose}")

    def _load(self, purpose, token, max_age=None):
        try:
            return self._serializer(purpose).loads(token, max_age=max_age)
        except SignatureExpired:
            raise LinkRefused("expired") from None
        except BadSignature:
            raise LinkRefused("invalid") from None

    # -- reply page ---------------------------------------------------------------------------
    def reply_token(self, delivery_id):
        return self._serializer("reply").dumps({"d": delivery_id})

    def reply_url(self, delivery_id, nothing=False):
        return f"{self.base}/reply/{self.reply_token(delivery_id)}" + ("?nothing=1" if nothing else "")

    def read_reply(self, token):
        """The delivery id a reply link names."""
        return int(self._load("reply", token, self.config["MAIL_REPLY_LINK_MAX_AGE_S"])["d"])

    # -- unsubscribe --------------------------------------------------------------------------
    def unsubscribe_url(self, participant_id, kind):
        return f"{self.base}/mail/unsubscribe/{self._serializer('unsubscribe').dumps({'p': participant_id, 'k': kind})}"

    def read_unsubscribe(self, token):
        data = self._load("unsubscribe", token)
        if data.get("k") not in MAIL_KINDS:
            raise LinkRefused("invalid")
        return int(data["p"]), data["k"]

    # -- address confirmation ---------------------------------------------------------------------
    def confirm_url(self, participant_id, address):
        return f"{self.base}/mail/confirm/{self._serializer('confirm').dumps({'p': participant_id, 'a': address})}"

    def read_confirm(self, token):
        data = self._load("confirm", token, self.config["MAIL_CONFIRM_LINK_MAX_AGE_S"])
        return int(data["p"]), str(data["a"])

    # -- self-service -------------------------------------------------------------------------
    def manage_url(self, participant_id):
        from .signup import make_link_token
        return f"{self.base}/my/{make_link_token(self._secret, participant_id, 'manage')}"

"""Which Twilio account a send goes through: the Twilio trunks admins configure, else the configuration.

Admins enter Twilio accounts as trunks (core.models.Trunk, backend "twilio"): an account SID, a
sealed auth token (core.secrets), a caller ID and the calls per second the account allows. As for
Asterisk (voice.trunks), an action's messages and calls leave through its control room's own
enabled Twilio trunk, else through an enabled one shared by every room (no control room set),
else through the account of the configuration (TWILIO_* keys); a send outside any action (a
sign-up confirmation) skips the first step. The rows are read at each send, so an admin's change
applies from the next send on; the REST clients, and so their connections, are kept per account.

A trunk sends from its caller ID on both channels, and its calls per second pace its calls
(counted per account, as Twilio counts them). Messages keep SMS_RATE_PER_S, paced per sender
number: Twilio sets message throughput per sender, unrelated to an account's calls per second, and
a trunk row has no field for it. A number belongs to one account, so per sender is per account too.

Webhooks and recording downloads go the other way: Twilio names the account (the form's
AccountSid, the SID in a RecordingUrl), and a token this installation holds for it, from the
configuration or any Twilio trunk, enabled or not (calls placed before an admin disabled a trunk
still report back), checks the signature or opens the recording.

A token that cannot be revealed (the environment variable it names is missing, or the key
changed) fails the send permanently, saying why: an operator has to fix it, and retrying within
an alert's window would not. Tokens are never logged.
"""
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from core import answering_machines
from core.config import effective
from core.configuration import trunk_for_action, trunk_for_room, trunk_secret, trunks_of_backend
from core.secrets import SecretUnavailable
from core.transports import PermanentFailure

from .client import twilio_client_for

log = logging.getLogger(__name__)

CHANNELS = ("sms", "voice")
FAILURE_CODE = "twilio-account"  # the code of a PermanentFailure: no usable account for the send


@dataclass(frozen=True)
class TwilioAccount:
    """One channel's way out through one Twilio account: credentials, sender and pace (repr hides the token)."""

    source: str  # "trunk <name>" or "configuration", for messages
    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str | None
    rate_per_s: float  # messages or calls per second
    messaging_service_sid: str | None = None  # the configuration's messages may leave through one
    amd: dict | None = None  # a trunk's answering-machine detection (core.answering_machines.stored); None: off


def configured_account(config, channel) -> TwilioAccount | None:
    """The configuration's account as `channel` uses it; None when neither TWILIO_ACCOUNT_SID nor
    TWILIO_AUTH_TOKEN is set, ValueError when only one is."""
    config = effective(config)
    keys = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
    missing = [key for key in keys if not config.get(key)]
    if len(missing) == len(keys):
        return None
    if missing:
        raise ValueError(f"Twilio is not configured: set {' and '.join(missing)}")
    sid, token = config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]
    if channel == "sms":
        return TwilioAccount("configuration", sid, token, config["TWILIO_FROM"] or None, config["SMS_RATE_PER_S"],
                             config["TWILIO_MESSAGING_SERVICE_SID"] or None)
    return TwilioAccount("configuration", sid, token, config["TWILIO_VOICE_FROM"] or config["TWILIO_FROM"] or None,
                         config["TWILIO_CALLS_PER_S"])


class TwilioAccounts:
    """The account of each send on one channel, and one REST client per account."""

    def __init__(self, config, channel):
        if channel not in CHANNELS:
            raise ValueError(f"no Twilio accounts for channel {channel!r}")
        self.channel = channel
        self._config = config = effective(config)
        self.configured = configured_account(config, channel)
        self._clients = {}
        self._lock = threading.Lock()

    def for_action(self, session, action_id) -> TwilioAccount:
        """The account of a send for an action: its room's trunk, else a shared trunk, else the configured one."""
        return self._account(trunk_for_action(session, "twilio", action_id))

    def for_direct(self, session) -> TwilioAccount:
        """The account of a send outside any action: a shared trunk, else the configured one."""
        return self._account(trunk_for_room(session, "twilio", None))

    def client(self, account: TwilioAccount):
        """The REST client of the account, made once."""
        key = (account.account_sid, account.auth_token)
        with self._lock:
            if key not in self._clients:
                self._clients[key] = twilio_client_for(self._config, *key)
            return self._clients[key]

    def _account(self, trunk):
        if trunk is not None:
            return self._trunk_account(trunk)
        if self.configured is None:
            raise PermanentFailure(FAILURE_CODE, "no Twilio account: no enabled Twilio trunk for the control room "
                                                 "or shared, and TWILIO_ACCOUNT_SID is not set")
        return self.configured

    def _trunk_account(self, trunk) -> TwilioAccount:
        try:
            token = trunk_secret(trunk, "auth_token", self._config)
        except SecretUnavailable as exc:
            log.error("Twilio trunk %s cannot send: its auth token is unavailable: %s", trunk.name, exc)
            raise PermanentFailure(FAILURE_CODE, f"Twilio trunk {trunk.name}: auth token unavailable: {exc}") from None
        rate = trunk.calls_per_second if self.channel == "voice" else self._config["SMS_RATE_PER_S"]
        return TwilioAccount(f"trunk {trunk.name}", (trunk.settings or {}).get("account_sid"), token,
                             trunk.caller_id, rate, amd=answering_machines.stored(trunk.settings, "twilio"))


class PerAccountTransport:
    """A Twilio transport of the core that sends each delivery through the account it uses.

    ``build(account, client)`` makes the transport of one account (sms.transport,
    voice.twilio_transport). The configured account's is made at start-up, so a mistake in the
    configuration stops the start; a trunk's is made per send, and a mistake in it fails that send.
    """

    in_database = False

    def __init__(self, name, accounts: TwilioAccounts, build: Callable):
        self.name = name
        self.accounts = accounts
        self._build = build
        configured = accounts.configured
        self._configured = build(configured, accounts.client(configured)) if configured else None
        if configured is None:
            log.warning("%s: TWILIO_ACCOUNT_SID is not set, only control rooms with a Twilio trunk "
                        "(their own or a shared one) can send", name)

    def for_action(self, session, action_id):
        """The transport of the account the action sends through."""
        return self._transport(self.accounts.for_action(session, action_id))

    def send(self, session, delivery, text):
        """Send one ledger delivery through the account of its action."""
        return self.for_action(session, delivery.action_id).send(session, delivery, text)

    def send_direct(self, session, to_e164, text, **options):
        """Send outside any action (a confirmation code) through the shared trunk or the configured account."""
        return self._transport(self.accounts.for_direct(session)).send_direct(session, to_e164, text, **options)

    def _transport(self, account):
        if account is self.accounts.configured:
            return self._configured
        try:
            return self._build(account, self.accounts.client(account))
        except ValueError as exc:
            raise PermanentFailure(FAILURE_CODE, f"{account.source}: {exc}") from exc


def auth_tokens(session, config, account_sid) -> Iterator[str]:
    """The auth tokens held for `account_sid`: the configuration's, then its Twilio trunks' (enabled
    or not). Lazy: the trunk rows are read only when the caller asks past the configuration's token."""
    if not account_sid:
        return
    if account_sid == config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"):
        yield config["TWILIO_AUTH_TOKEN"]
    for trunk in trunks_of_backend(session, "twilio"):
        if (trunk.settings or {}).get("account_sid") == account_sid:
            try:
                yield trunk_secret(trunk, "auth_token", config)
            except SecretUnavailable as exc:
                log.warning("Twilio trunk %s: auth token unavailable: %s", trunk.name, exc)


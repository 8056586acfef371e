"""What admins configure for Asterisk: settings, trunks and operators (domain values, so the core
checks them when admins save them and asterisk_conf renders them, without importing each other).

Every value ends up inside an Asterisk configuration file, where `;` starts a
comment, `,` separates application arguments and a newline ends an entry, so
each value is checked here and bad input fails with a clear ValueError. Its text is a core.errors.Reason
(an msgid with values), so the admins' form shows a trunk's refusal in their language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import N_, Reason

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
# Technology/resource, e.g. PJSIP/jan, PJSIP/0201234567@provider, Local/31201234507@lab-pstn.
_DIAL_STRING = re.compile(r"[A-Za-z][A-Za-z0-9_]*/[^\s,;()\[\]{}\"'\\$]+")
_NUMBER = re.compile(r"\+?[0-9]{3,20}")
_SECRET = re.compile(r"[!-:<-~]{8,128}")  # printable ASCII without space and ';'
_HOST = re.compile(r"[A-Za-z0-9.:-]{1,253}")
_PERMIT = re.compile(r"[0-9a-fA-F.:]+/[0-9a-fA-F.:]+")
_PATH = re.compile(r"/[A-Za-z0-9._/-]*")


def _refused(message: str, of: Reason | None = None, **params: object) -> ValueError:
    """A ValueError whose text is the Reason `message`; `of` (a trunk's or an operator's name) goes before it."""
    reason = Reason(message, params)
    return ValueError(reason if of is None else Reason(N_("%(of)s: %(reason)s"), {"of": of, "reason": reason}))


def _check(pattern: re.Pattern[str], value: object, what: str, of: Reason | None = None) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _refused(N_("invalid %(what)s: %(value)s"), of, what=Reason(what), value=repr(value))


def _check_port(port: object, what: str, of: Reason | None = None) -> None:
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise _refused(N_("invalid %(what)s: %(value)s (expected 1-65535)"), of, what=Reason(what), value=repr(port))


def _trunk(name: str) -> Reason:
    return Reason(N_("trunk %(name)s"), {"name": name})


def _operator(name: str) -> Reason:
    return Reason(N_("operator %(name)s"), {"name": name})


def check_dial_string(dial_string: str) -> str:
    """Return `dial_string` if it is safe to put in Dial(); raise ValueError otherwise."""
    _check(_DIAL_STRING, dial_string, N_("dial string"))
    return dial_string


def check_number(number: str) -> str:
    """Return `number` if it is a plain dialable number (digits, optional leading +)."""
    _check(_NUMBER, number, N_("phone number"))
    return number


@dataclass(frozen=True)
class AsteriskSettings:
    """Where Asterisk listens and finds things; every path is as Asterisk sees it.

    AMI accepts logins only from `ami_permit` (loopback by default).
    `instance_dir` holds this instance's etc/, db/, spool/, run/ and log/ so that
    several instances on one machine do not collide. `fallback_destination` is the
    control room's default dial string, used whenever a flow cannot run.
    """

    ami_secret: str
    fallback_destination: str
    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "uitkijk"
    ami_permit: str = "127.0.0.0/255.0.0.0"
    agi_host: str = "127.0.0.1"
    agi_port: int = 4573
    # A second FastAGI server (another machine) Asterisk runs the flow on when the first refuses the connection.
    agi_fallback_host: str = ""
    agi_fallback_port: int = 4573
    sip_bind: str = "127.0.0.1"
    sip_port: int = 5060
    sound_dir: str = "/var/lib/uitkijk/sounds"
    fallback_prompt: str = "alert-fallback"
    instance_dir: str = "/var/lib/uitkijk/asterisk"
    verbose: int = 0

    def __post_init__(self) -> None:
        _check(_SECRET, self.ami_secret, N_("AMI secret (8+ printable characters, no space or ';')"))
        check_dial_string(self.fallback_destination)
        _check(_HOST, self.ami_host, N_("AMI host"))
        _check_port(self.ami_port, "AMI port")
        _check(_NAME, self.ami_user, N_("AMI user"))
        _check(_PERMIT, self.ami_permit, N_("AMI permit (address/mask)"))
        _check(_HOST, self.agi_host, N_("AGI host"))
        _check_port(self.agi_port, "AGI port")
        if self.agi_fallback_host:
            _check(_HOST, self.agi_fallback_host, N_("fallback AGI host"))
            _check_port(self.agi_fallback_port, "fallback AGI port")
        _check(_HOST, self.sip_bind, N_("SIP bind address"))
        _check_port(self.sip_port, "SIP port")
        _check(_PATH, self.sound_dir, N_("sound directory"))
        _check(_NAME, self.fallback_prompt, N_("fallback prompt name"))
        _check(_PATH, self.instance_dir, N_("instance directory"))
        if not isinstance(self.verbose, int) or not 0 <= self.verbose <= 10:
            raise _refused(N_("invalid %(what)s: %(value)s"), what=Reason(N_("verbose level")), value=repr(self.verbose))

    @property
    def agi_url(self) -> str:
        return f"agi://{self.agi_host}:{self.agi_port}"

    @property
    def agi_fallback_url(self) -> str:
        """Empty without a fallback server: the dialplan then goes straight to its own fallback."""
        return f"agi://{self.agi_fallback_host}:{self.agi_fallback_port}" if self.agi_fallback_host else ""


@dataclass(frozen=True)
class TrunkConf:
    """A way out to the phone network.

    `dial_template` holds `{number}`, e.g. `PJSIP/{number}@provider` or
    `Local/{number}@lab-pstn`. `channel_limit` and `cps` (calls per second) are
    not enforced by Asterisk: the voice dispatcher paces its Originates by them.
    With `sip_host` set, a PJSIP endpoint named after the trunk is rendered, and
    the template must then dial that endpoint.
    """

    name: str
    dial_template: str
    caller_id: str
    channel_limit: int = 10
    cps: float = 1.0
    sip_host: str | None = None
    sip_port: int = 5060
    username: str | None = None
    password: str | None = None
    register: bool = False

    def __post_init__(self) -> None:
        _check(_NAME, self.name, N_("trunk name"))
        if self.dial_template.count("{number}") != 1:
            raise _refused(N_("dial template must hold {number} once"), _trunk(self.name))
        check_dial_string(self.dial_template.replace("{number}", "0000"))
        check_number(self.caller_id)
        if not isinstance(self.channel_limit, int) or self.channel_limit < 1:
            raise _refused(N_("channel limit must be a positive integer"), _trunk(self.name))
        if not isinstance(self.cps, (int, float)) or self.cps <= 0:
            raise _refused(N_("cps must be positive"), _trunk(self.name))
        if self.sip_host is not None:
            _check(_HOST, self.sip_host, N_("SIP host"), _trunk(self.name))
            _check_port(self.sip_port, N_("SIP port"), _trunk(self.name))
            if self.dial_template != f"PJSIP/{{number}}@{self.name}":
                raise _refused(N_("a SIP trunk dials PJSIP/{number}@%(name)s"), _trunk(self.name), name=self.name)
        if (self.username is None) != (self.password is None):
            raise _refused(N_("give both username and password, or neither"), _trunk(self.name))
        if self.username is not None:
            if self.sip_host is None:
                raise _refused(N_("credentials need a SIP host"), _trunk(self.name))
            _check(_NAME, self.username, N_("username"), _trunk(self.name))
            _check(_SECRET, self.password, N_("password"), _trunk(self.name))
        if self.register and self.username is None:
            raise _refused(N_("registration needs credentials"), _trunk(self.name))

    def dial_string(self, number: str) -> str:
        """The Originate channel for calling `number` through this trunk."""
        return self.dial_template.format(number=check_number(number))


@dataclass(frozen=True)
class OperatorConf:
    """A control-room operator who can be put through to callers.

    With `sip_password` the operator has a softphone registering to Asterisk as
    endpoint `name`, and `dial_string` must be `PJSIP/<name>`.
    """

    name: str
    dial_string: str
    sip_password: str | None = None

    def __post_init__(self) -> None:
        _check(_NAME, self.name, N_("operator name"))
        check_dial_string(self.dial_string)
        if self.sip_password is not None:
            _check(_SECRET, self.sip_password, N_("SIP password"), _operator(self.name))
            if self.dial_string != f"PJSIP/{self.name}":
                raise _refused(N_("a softphone operator is dialled as PJSIP/%(name)s"), _operator(self.name),
                               name=self.name)

    @property
    def has_endpoint(self) -> bool:
        return self.sip_password is not None

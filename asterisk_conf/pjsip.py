"""pjsip.conf: the loopback/LAN transport, one endpoint per SIP trunk, one per softphone operator."""

from __future__ import annotations

from collections.abc import Iterable

from core.asterisk_values import AsteriskSettings, OperatorConf, TrunkConf

TRANSPORT = "uitkijk-udp"
CODECS = "alaw,ulaw"

Section = tuple[str, str, list[tuple[str, str]]]  # (name, type, options)


def _media_options() -> list[tuple[str, str]]:
    return [
        ("transport", TRANSPORT),
        ("disallow", "all"),
        ("allow", CODECS),
        ("direct_media", "no"),
        ("rtp_symmetric", "yes"),
        ("force_rport", "yes"),
        ("rewrite_contact", "yes"),
        ("dtmf_mode", "rfc4733"),
    ]


def _trunk_sections(trunk: TrunkConf) -> list[Section]:
    uri = f"sip:{trunk.sip_host}:{trunk.sip_port}"
    endpoint = [("context", "uitkijk-inbound"), *_media_options(), ("aors", trunk.name),
                ("callerid", f"<{trunk.caller_id}>"), ("send_pai", "yes")]
    sections: list[Section] = []
    if trunk.username is not None:
        auth = f"{trunk.name}-auth"
        endpoint += [("outbound_auth", auth), ("from_user", trunk.username)]
        sections.append((auth, "auth", [("auth_type", "userpass"), ("username", trunk.username),
                                         ("password", trunk.password)]))
    sections.insert(0, (trunk.name, "endpoint", endpoint))
    sections.append((trunk.name, "aor", [("contact", uri), ("qualify_frequency", "60")]))
    sections.append((trunk.name, "identify", [("endpoint", trunk.name),
                                               ("match", trunk.sip_host)]))
    if trunk.register:
        sections.append((f"{trunk.name}-reg", "registration", [
            ("transport", TRANSPORT),
            ("outbound_auth", f"{trunk.name}-auth"),
            ("server_uri", uri),
            ("client_uri", f"sip:{trunk.username}@{trunk.sip_host}:{trunk.sip_port}"),
            ("retry_interval", "60"),
            ("forbidden_retry_interval", "600"),
        ]))
    return sections


def _operator_sections(operator: OperatorConf) -> list[Section]:
    return [
        (operator.name, "endpoint", [("context", "uitkijk-operator"), *_media_options(),
                                     ("auth", operator.name), ("aors", operator.name)]),
        (operator.name, "auth", [("auth_type", "userpass"), ("username", operator.name),
                                 ("password", operator.sip_password)]),
        (operator.name, "aor", [("max_contacts", "1"), ("remove_existing", "yes"),
                                ("qualify_frequency", "30")]),
    ]


def pjsip_sections(settings: AsteriskSettings, trunks: Iterable[TrunkConf],
                   operators: Iterable[OperatorConf]) -> list[Section]:
    """All pjsip.conf sections; raises ValueError when two would share a name and type."""
    sections: list[Section] = [(TRANSPORT, "transport", [
        ("protocol", "udp"), ("bind", f"{settings.sip_bind}:{settings.sip_port}")])]
    for trunk in trunks:
        if trunk.sip_host is not None:
            sections += _trunk_sections(trunk)
    for operator in operators:
        if operator.has_endpoint:
            sections += _operator_sections(operator)
    seen: set[tuple[str, str]] = set()
    for name, kind, _ in sections:
        if (name, kind) in seen:
            raise ValueError(f"pjsip.conf: two {kind} sections named {name!r}")
        seen.add((name, kind))
    return sections


def render_pjsip(settings: AsteriskSettings, trunks: Iterable[TrunkConf],
                 operators: Iterable[OperatorConf]) -> str:
    lines = ["; Rendered by asterisk_conf: do not edit by hand."]
    for name, kind, options in pjsip_sections(settings, trunks, operators):
        lines += ["", f"[{name}]", f"type = {kind}"]
        lines += [f"{key} = {value}" for key, value in options]
    return "\n".join(lines) + "\n"

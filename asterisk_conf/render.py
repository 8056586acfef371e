"""Render the Asterisk configuration files for Uitkijk into one directory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from string import Template

from core.asterisk_values import AsteriskSettings, OperatorConf, TrunkConf
from .pjsip import render_pjsip

TEMPLATE_DIR = Path(__file__).with_name("templates")
# Files whose defaults are fine: present only so Asterisk does not log their absence.
QUIET_FILES = {
    "cdr.conf": "[general]\nenable = no\n",
    "cel.conf": "[general]\nenable = no\n",
    "features.conf": "",
    "acl.conf": "",
    "udptl.conf": "",
    "pjproject.conf": "",
    "ccss.conf": "[general]\n",
    "stasis.conf": "",
}


class ConfTemplate(Template):
    """`%%{name}` placeholders: Asterisk's own `${VAR}` syntax passes through untouched."""

    delimiter = "%%"


def _render_template(name: str, values: dict[str, object]) -> str:
    text = (TEMPLATE_DIR / name).read_text(encoding="utf-8")
    return ConfTemplate(text).substitute(values)


def render_config(target_dir: Path, settings: AsteriskSettings, trunks: Sequence[TrunkConf],
                  operators: Sequence[OperatorConf], lab: bool = False) -> Path:
    """Write every configuration file into `target_dir` and return its asterisk.conf.

    `target_dir` must be where `<settings.instance_dir>/etc` is on this machine
    (for a chroot: the root plus that path). With `lab`, the simulated phone
    network (contexts lab-pstn, lab-caller, lab-caller-phone) is added.
    """
    names = [t.name for t in trunks]
    if len(set(names)) != len(names):
        raise ValueError(f"trunk names must be unique: {names}")
    values = {
        "instance_dir": settings.instance_dir,
        "verbose": settings.verbose,
        "messages_levels": "notice,warning,error" + (",verbose" if settings.verbose else ""),
        "ami_host": settings.ami_host,
        "ami_port": settings.ami_port,
        "ami_user": settings.ami_user,
        "ami_secret": settings.ami_secret,
        "ami_permit": settings.ami_permit,
        "agi_url": settings.agi_url,
        "agi_fallback_url": settings.agi_fallback_url,
        "sound_dir": settings.sound_dir,
        "fallback_prompt": settings.fallback_prompt,
        "fallback_destination": settings.fallback_destination,
    }
    files = {
        name: _render_template(name, values)
        for name in ("asterisk.conf", "modules.conf", "logger.conf", "manager.conf",
                     "indications.conf", "amd.conf", "extensions.conf")
    }
    if lab:
        files["extensions.conf"] += _render_template("lab_extensions.conf", values)
    files["pjsip.conf"] = render_pjsip(settings, trunks, operators)
    for name, text in QUIET_FILES.items():
        files[name] = "; Rendered by asterisk_conf: Asterisk's defaults apply.\n" + text

    target_dir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = target_dir / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)  # manager.conf and pjsip.conf hold secrets
    return target_dir / "asterisk.conf"

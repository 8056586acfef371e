"""The Asterisk configuration Uitkijk needs, rendered from what admins configure."""

from core.asterisk_values import AsteriskSettings, OperatorConf, TrunkConf
from .render import render_config

__all__ = ["AsteriskSettings", "OperatorConf", "TrunkConf", "render_config"]

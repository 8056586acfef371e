"""The scripts' words (admin/static/js) come from admin/ui_texts.py by key: a key a script asks for that the
table lacks shows the page the bare key ('rings.widen') instead of words, and a key no script asks for is a
translation nobody reads."""
import re
from pathlib import Path

from flask import Flask
from flask_babel import Babel

from admin.ui_texts import ui_texts

SCRIPTS = Path(__file__).resolve().parents[2] / "admin" / "static" / "js"
# A quoted dotted lower-case name: a text key, or the start of one the script completes ("sms.language." + code).
KEY = re.compile(r"""["']([a-z_]+\.[a-z_.0-9]*)["']""")
NOT_KEYS = {"li.muted"}  # a CSS selector


def _keys_in_scripts():
    return {key for path in SCRIPTS.glob("*.js") for key in KEY.findall(path.read_text())} - NOT_KEYS


def _table():
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        return ui_texts()


def test_every_key_a_script_asks_for_has_words():
    table = _table()
    for key in _keys_in_scripts():
        if key.endswith("."):
            assert any(name.startswith(key) for name in table), f"no texts start with {key!r}"
        else:
            assert key in table, f"a script asks for {key!r}, which admin/ui_texts.py lacks"


def test_every_text_is_asked_for_by_a_script():
    asked = _keys_in_scripts()
    for name in _table():
        assert name in asked or any(key.endswith(".") and name.startswith(key) for key in asked), (
            f"{name!r} in admin/ui_texts.py is used by no script")

"""Every kind of thing a refusal says was not found has its sentence in core.errors.NOT_FOUND (a kind without
one would turn a 404 into a 500), and every sentence there is used: read from the code with ast, the calls
NotFound("kind", ...) and api's own(room, "kind", ...)."""
import ast
from pathlib import Path

from core.errors import NOT_FOUND, NotFound

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "admin", "api", "web", "webhooks", "ivr", "bridge", "voice", "sms", "mail", "publish",
            "twilio_gateway", "tts_prompts", "asterisk_conf")


def _kinds():
    """The literal kinds the production code names, with where."""
    found = {}
    for path in [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")] + [ROOT / "cli.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            position = {"NotFound": 0, "own": 1}.get(node.func.id)
            if position is not None and len(node.args) > position:
                kind = node.args[position]
                if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                    found.setdefault(kind.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_kind_not_found_has_its_sentence_and_every_sentence_a_kind():
    kinds = _kinds()
    assert {kind: where for kind, where in kinds.items() if kind not in NOT_FOUND} == {}
    assert sorted(set(NOT_FOUND) - set(kinds)) == []


def test_the_sentence_names_the_thing_and_keeps_the_identifier():
    missing = NotFound("control room", 7)
    assert (missing.kind, missing.ident) == ("control room", 7)
    assert str(missing) == "control room 7 not found"
    assert (missing.reason.message, missing.reason.params) == ("control room %(ident)s not found", {"ident": 7})

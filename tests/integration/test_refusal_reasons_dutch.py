"""The refusals that came from deeper checks read in the reader's language too: a trunk's Asterisk checks
(core.asterisk_values), a sealed secret's variable name, a name already taken, and the API's conflicts and
not-found answers (Dutch on the web by default, English for the API unless asked)."""
import html

from core.errors import Conflict, Reason
from tests.integration.test_api_control_rooms import token
from tests.integration.test_web_configuration import admin_token, app, asterisk_trunk, room_id  # noqa: F401
from tests.integration.web_helpers import post
from web.i18n import error_text, reason_text


def _page(response):
    return html.unescape(response.get_data(as_text=True))


def test_the_trunk_forms_deeper_checks_are_dutch(app, client, admin_token, room_id):
    bad_host = post(client, "/config/trunks/new", admin_token, asterisk_trunk(room_id, sip_host="sip host;evil"))
    assert bad_host.status_code == 400
    assert "sip_host: trunk provider: ongeldige SIP-host: 'sip host;evil'" in _page(bad_host)
    bad_env = post(client, "/config/trunks/new", admin_token, asterisk_trunk(room_id, ami_secret="env:lower"))
    assert "ami_secret: een omgevingsvariabele voor een geheim heet" in _page(bad_env)
    assert post(client, "/config/trunks/new", admin_token, asterisk_trunk(room_id)).status_code == 302
    taken = post(client, "/config/trunks/new", admin_token, asterisk_trunk(room_id))
    assert "die naam is al in gebruik" in _page(taken)


def test_the_apis_conflicts_and_not_found_follow_accept_language(app, client):
    headers = token(app, ["actions"])
    missing = client.get("/api/actions/999999", headers=headers)
    assert missing.status_code == 404 and missing.json["reason"] == "action 999999 not found"
    dutch = client.get("/api/actions/999999", headers={**headers, "Accept-Language": "nl"})
    assert dutch.json["reason"] == "actie 999999 niet gevonden"  # the thing in Dutch words, not its identifier


def test_a_conflict_keeps_its_msgid_and_a_nested_reason_is_translated_too(app):
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        assert error_text(Conflict("action %(id)s has already ended", id=7)) == "actie 7 is al beëindigd"
        nested = Reason("%(of)s: %(reason)s", {"of": Reason("trunk %(name)s", {"name": "kpn"}),
                                               "reason": Reason("cps must be positive")})
        assert error_text(ValueError(nested)) == str(nested)  # a plain error stays as it is
        assert reason_text(nested) == "trunk kpn: cps moet positief zijn"


def test_the_apis_refusals_of_a_token_follow_accept_language(app, client, room_id):
    """No token, a scope the token lacks, a bound token reaching what is national: the reason in English by
    default and in Dutch when asked; the error code stays the same."""
    nl = {"Accept-Language": "nl"}
    unknown = client.get("/api/actions/1", headers={"Authorization": "Bearer nope", **nl})
    assert unknown.status_code == 401 and unknown.json == {
        "error": "unauthorized", "reason": "een geldig bearer-token is nodig (onbekend, ingetrokken of verlopen)"}
    no_scope = token(app, ["actions"])
    lacking = client.get("/api/regions", headers=no_scope)
    assert lacking.status_code == 403 and lacking.json["reason"] == "this token lacks the scope 'configuration'"
    assert client.get("/api/regions", headers={**no_scope, **nl}).json == {
        "error": "forbidden", "reason": "dit token mist de scope 'configuration'"}
    bound = token(app, ["configuration"], room_id)
    national = client.get("/api/partners", headers=bound)
    assert national.status_code == 403
    assert national.json["reason"] == "partners are national: a token bound to a control room may not reach them"
    assert client.get("/api/partners", headers={**bound, **nl}).json["reason"] == (
        "partners zijn landelijk: een token dat aan een meldkamer gebonden is, mag er niet bij")


def test_the_clis_not_found_names_the_thing_in_dutch(app):
    """The CLI speaks CLI_LANGUAGE (Dutch here): what it did not find is named in Dutch words too."""
    missing = app.test_cli_runner().invoke(args=["actions", "show", "999999"])
    assert missing.exit_code == 1 and "actie 999999 niet gevonden" in missing.output

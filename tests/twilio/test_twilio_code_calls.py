"""A landline's confirmation code through Twilio (Prism behind a recording proxy): spoken with <Say>
in the participant's language, carried in the call request itself, with no audio URL to fetch."""
import pytest

from app import create_app
from core import runtime
from tests.integration.test_admin_signup import sign_up

SPOKEN = {"nl": ('language="nl-NL"', "Uw bevestigingscode is"), "en": ('language="en-GB"', "Your confirmation code is"),
          "de": ('language="de-DE"', "Ihr Bestätigungscode ist")}


@pytest.mark.parametrize("language", ["nl", "en", "de"])
def test_code_call_speaks_the_code_in_the_participants_language(twilio_config, twilio_api, signup_clock, language):
    app = create_app({**twilio_config, "TWILIO_API_BASE_URL": twilio_api.base_url})
    try:
        sign_up(app.test_client(), phone_1="", phone_2="0201234567", language=language)
    finally:
        runtime.uninstall()
    [call] = [r for r in twilio_api.requests if r.path.endswith("/Calls.json")]
    twiml = call.form["Twiml"]
    say, words = SPOKEN[language]
    assert call.form["To"] == "+31201234567" and twiml.count(f"<Say {say}>") == 2 and words in twiml
    assert "<Play" not in twiml and "Url" not in call.form

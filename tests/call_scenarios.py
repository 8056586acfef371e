"""What a participant hears on an alert or closing call, as one table both back-ends are held to.

tests/asterisk reads what Asterisk played from its own log; tests/twilio reads the <Play>/<Say>
of the TwiML documents Twilio fetched through the signed webhooks. Both runs must give, prompt
for prompt, the sequence below. MESSAGE is the call's own rendered text (the alert, or how the
action ended), in the participant's language; the other entries are catalogue prompt ids.
"""
MESSAGE = "<message>"

# Both back-ends run the flows with these settings (one silent menu ends the call).
FLOW_SETTINGS = {"IVR_MAX_TRIES": 1, "IVR_MENU_TIMEOUT_S": 4}

HEARD = {
    ("alert", "listened"): [MESSAGE, MESSAGE, "alert_menu", "thanks_goodbye"],
    ("closing", "listened"): [MESSAGE, MESSAGE, "closing_menu", "goodbye"],
}


def expected(purpose, scenario, message_key, language):
    """The table's row with the call's message key and the language of its fixed prompts filled in."""
    return [message_key if part == MESSAGE else f"{part}/{language}" for part in HEARD[(purpose, scenario)]]

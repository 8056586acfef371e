"""Every fixed IVR prompt, by id and language.

Prompts are fixed texts. Dynamic parts (an action's title, a digit of a code) are
rendered separately and played after the prompt, so no prompt holds a placeholder.
Emergency number 112 is written "1 1 2" so that both voices read it digit by digit.
"""
from collections.abc import Iterator

LANGUAGES = ("nl", "en", "de")  # German for participants in the border area

_DIGITS_NL = ("nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen")
_DIGITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_DIGITS_DE = ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun")

PROMPTS: dict[str, dict[str, str]] = {
    # Outbound alert call.
    "alert_intro": {
        "nl": "Dit is Uitkijk, het alarmnetwerk voor burgers, met een oproep van de politie.",
        "en": "This is Uitkijk, the citizen alert network, with an alert from the police.",
        "de": "Hier ist Uitkijk, das Warnnetz für Bürger, mit einem Aufruf der Polizei.",
    },
    "alert_menu": {
        "nl": "Toets 1 om nu doorverbonden te worden met de meldkamer. "
              "Toets 2 om het bericht nog een keer te horen. "
              "Toets 0 als u op dit nummer geen alertoproepen meer wilt krijgen.",
        "en": "Press 1 to be put through to the control room now. "
              "Press 2 to hear the message again. "
              "Press 0 to stop alert calls to this number.",
        "de": "Drücken Sie die 1, um jetzt mit der Leitstelle verbunden zu werden. "
              "Drücken Sie die 2, um die Nachricht noch einmal zu hören. "
              "Drücken Sie die 0, wenn Sie auf dieser Nummer keine Warnanrufe mehr erhalten möchten.",
    },
    # After alert_menu, on a mobile number only.
    "alert_menu_sms": {
        "nl": "Toets 3 om alerts voortaan per sms te krijgen in plaats van als oproep.",
        "en": "Press 3 to get future alerts by SMS instead of a call.",
        "de": "Drücken Sie die 3, um Warnungen künftig per SMS statt als Anruf zu erhalten.",
    },
    "stop_calls_confirm": {
        "nl": "U krijgt dan op dit nummer geen alertoproepen meer. Toets 9 om dat te bevestigen, "
              "of een andere toets om terug te gaan.",
        "en": "You will then get no more alert calls on this number. Press 9 to confirm, "
              "or any other key to go back.",
        "de": "Sie erhalten dann auf dieser Nummer keine Warnanrufe mehr. Drücken Sie die 9, um das zu bestätigen, "
              "oder eine andere Taste, um zurückzugehen.",
    },
    "calls_stopped": {
        "nl": "Er komen op dit nummer geen alertoproepen meer. Wilt u ze weer ontvangen, gebruik dan de link "
              "uit uw bevestiging, of stuur vanaf een mobiel nummer START per sms. Tot ziens.",
        "en": "There will be no more alert calls on this number. To get them again, use the link in your "
              "confirmation, or from a mobile number send START by SMS. Goodbye.",
        "de": "Auf dieser Nummer kommen keine Warnanrufe mehr. Wenn Sie sie wieder erhalten möchten, nutzen Sie den "
              "Link aus Ihrer Bestätigung oder senden Sie von einer Mobilnummer START per SMS. Auf Wiederhören.",
    },
    "sms_instead_done": {
        "nl": "Voortaan krijgt u alerts op dit nummer per sms. Tot ziens.",
        "en": "From now on you get alerts on this number by SMS. Goodbye.",
        "de": "Künftig erhalten Sie Warnungen auf dieser Nummer per SMS. Auf Wiederhören.",
    },
    # Left on an answering machine once its greeting ended, played once: the action's title, its
    # code and the free number come between these.
    # Before an exercise's voicemail message, so a recording heard later never passes for a real alert.
    "voicemail_exercise": {
        "nl": "Oefening. Dit is een oefening.",
        "en": "Exercise. This is an exercise.",
        "de": "Übung. Dies ist eine Übung.",
    },
    "voicemail_intro": {
        "nl": "Dit is Uitkijk, het alarmnetwerk voor burgers. De politie vraagt u uit te kijken:",
        "en": "This is Uitkijk, the citizen alert network. The police ask you to look out:",
        "de": "Hier ist Uitkijk, das Warnnetz für Bürger. Die Polizei bittet Sie, Ausschau zu halten:",
    },
    "voicemail_code": {
        "nl": "De actiecode is",
        "en": "The action code is",
        "de": "Der Aktionscode ist",
    },
    "voicemail_free_number": {
        "nl": "Heeft u iets gezien? Bel dan gratis",
        "en": "Have you seen something? Call free of charge on",
        "de": "Haben Sie etwas gesehen? Rufen Sie kostenlos an unter",
    },
    # Played by the dialplan alone when the FastAGI server cannot run the alert call (no action
    # text: it is one file for every call), before the call goes to the control room.
    "alert_fallback": {
        "nl": "Dit is Uitkijk, met een oproep van de politie. Het bericht kan nu niet worden afgespeeld. "
              "U wordt doorverbonden met de meldkamer.",
        "en": "This is Uitkijk, with an alert from the police. The message cannot be played right now. "
              "You are being put through to the control room.",
        "de": "Hier ist Uitkijk, mit einem Aufruf der Polizei. Die Nachricht kann gerade nicht abgespielt werden. "
              "Sie werden mit der Leitstelle verbunden.",
    },
    # After the closing message (how the action ended), played twice.
    "closing_menu": {
        "nl": "Toets 2 om het bericht nog een keer te horen.",
        "en": "Press 2 to hear the message again.",
        "de": "Drücken Sie die 2, um die Nachricht noch einmal zu hören.",
    },
    "alert_closing_intro": {
        "nl": "De actie waarvoor u eerder bent gewaarschuwd, is beëindigd.",
        "en": "The action you were alerted about has ended.",
        "de": "Die Aktion, über die Sie gewarnt wurden, ist beendet.",
    },
    "thanks_goodbye": {
        "nl": "Bedankt voor uw hulp. Tot ziens.",
        "en": "Thank you for your help. Goodbye.",
        "de": "Vielen Dank für Ihre Hilfe. Auf Wiederhören.",
    },
    "goodbye": {
        "nl": "Tot ziens.",
        "en": "Goodbye.",
        "de": "Auf Wiederhören.",
    },
    # Inbound call to the free number.
    "inbound_welcome": {
        "nl": "Welkom bij het gratis nummer van Uitkijk.",
        "en": "Welcome to the Uitkijk free number.",
        "de": "Willkommen bei der kostenlosen Nummer von Uitkijk.",
    },
    "inbound_calling_about": {
        "nl": "U belt over:",
        "en": "You are calling about:",
        "de": "Sie rufen an wegen:",
    },
    "inbound_menu_intro": {
        "nl": "U bent gewaarschuwd voor meerdere acties.",
        "en": "You were alerted about several actions.",
        "de": "Sie wurden über mehrere Aktionen gewarnt.",
    },
    **{
        f"press_{n}": {"nl": f"Toets {n} voor", "en": f"Press {n} for", "de": f"Drücken Sie die {n} für"}
        for n in range(1, 10)
    },
    "enter_code": {
        "nl": "Toets de code uit uw bericht in, gevolgd door een hekje.",
        "en": "Enter the code from your message, followed by the hash key.",
        "de": "Geben Sie den Code aus Ihrer Nachricht ein, gefolgt von der Rautetaste.",
    },
    # Offered with the first code question: a caller who doubts an alert checks that it is genuine.
    "check_offer": {
        "nl": "Wilt u alleen controleren of een oproep echt van de politie komt? Toets dan een sterretje, "
              "de code en een hekje.",
        "en": "Do you only want to check that an alert really came from the police? Then press star, "
              "the code and the hash key.",
        "de": "Möchten Sie nur prüfen, ob ein Aufruf wirklich von der Polizei kommt? Drücken Sie dann die Sterntaste, "
              "den Code und die Rautetaste.",
    },
    "check_enter_code": {
        "nl": "Toets de code uit het bericht dat u wilt controleren in, gevolgd door een hekje.",
        "en": "Enter the code from the message you want to check, followed by the hash key.",
        "de": "Geben Sie den Code aus der Nachricht ein, die Sie prüfen möchten, gefolgt von der Rautetaste.",
    },
    # The action's title follows.
    "check_genuine": {
        "nl": "Ja, dit is een echte oproep van de politie, over:",
        "en": "Yes, this is a genuine alert from the police, about:",
        "de": "Ja, das ist ein echter Aufruf der Polizei, wegen:",
    },
    # An exercise's title follows.
    "check_exercise": {
        "nl": "Ja, dit is een oefening van de politie, over:",
        "en": "Yes, this is an exercise of the police, about:",
        "de": "Ja, das ist eine Übung der Polizei, wegen:",
    },
    "check_exercise_nothing_to_do": {
        "nl": "Het is een oefening: er wordt niemand gezocht en u hoeft niets te doen.",
        "en": "It is an exercise: nobody is being looked for, and you need not do anything.",
        "de": "Es ist eine Übung: Es wird niemand gesucht, und Sie müssen nichts tun.",
    },
    "check_still_on": {
        "nl": "Deze oproep loopt nog. Heeft u iets gezien, toets dan 1 om doorverbonden te worden met de centralist.",
        "en": "This alert is still on. If you have seen something, press 1 to be put through to the operator.",
        "de": "Dieser Aufruf läuft noch. Wenn Sie etwas gesehen haben, drücken Sie die 1, um mit dem Disponenten "
              "verbunden zu werden.",
    },
    "check_ended": {
        "nl": "Deze oproep is beëindigd. U hoeft niets meer te doen.",
        "en": "This alert has ended. You need not do anything any more.",
        "de": "Dieser Aufruf ist beendet. Sie müssen nichts mehr tun.",
    },
    "check_not_found": {
        "nl": "Er is geen oproep met deze code. Komt de code echt uit het bericht, dan is het bericht niet van de "
              "politie: bel geen nummer uit het bericht terug.",
        "en": "There is no alert with this code. If the code really is the one in the message, the message is not "
              "from the police: do not call back any number in it.",
        "de": "Es gibt keinen Aufruf mit diesem Code. Stammt der Code wirklich aus der Nachricht, dann ist sie nicht "
              "von der Polizei: Rufen Sie keine Nummer aus der Nachricht zurück.",
    },
    # The free number's checks from one number (or from all withheld numbers) passed their hourly limit.
    "check_too_many": {
        "nl": "Er zijn het afgelopen uur te veel codes gecontroleerd vanaf dit nummer. Probeer het later opnieuw.",
        "en": "Too many codes have been checked from this number in the last hour. Please try again later.",
        "de": "In der letzten Stunde wurden von dieser Nummer zu viele Codes geprüft. Bitte versuchen Sie es "
              "später noch einmal.",
    },
    "check_too_many_operator": {
        "nl": "Heeft u iets gezien, toets dan 1 om doorverbonden te worden met de meldkamer.",
        "en": "If you have seen something, press 1 to be put through to the control room.",
        "de": "Wenn Sie etwas gesehen haben, drücken Sie die 1, um mit der Leitstelle verbunden zu werden.",
    },
    "code_unknown": {
        "nl": "Die code is niet bekend.",
        "en": "That code is not known.",
        "de": "Dieser Code ist nicht bekannt.",
    },
    "code_retry_exhausted": {
        "nl": "De code is niet herkend. Probeer het later nog eens. Bel bij spoed 1 1 2.",
        "en": "The code was not recognised. Please try again later. For emergencies call 1 1 2.",
        "de": "Der Code wurde nicht erkannt. Bitte versuchen Sie es später noch einmal. Im Notfall rufen Sie 1 1 2 an.",
    },
    "no_active_action": {
        "nl": "Er is op dit moment geen actieve oproep. Bel bij spoed 1 1 2.",
        "en": "There is no active alert at the moment. For emergencies call 1 1 2.",
        "de": "Zurzeit gibt es keinen aktiven Aufruf. Im Notfall rufen Sie 1 1 2 an.",
    },
    "action_ended": {
        "nl": "Deze actie is beëindigd. Bedankt.",
        "en": "This action has ended. Thank you.",
        "de": "Diese Aktion ist beendet. Vielen Dank.",
    },
    "connecting_control_room": {
        "nl": "U wordt doorverbonden met de meldkamer.",
        "en": "You are being put through to the control room.",
        "de": "Sie werden mit der Leitstelle verbunden.",
    },
    "connecting": {
        "nl": "U wordt doorverbonden met de centralist.",
        "en": "You are being put through to the operator.",
        "de": "Sie werden mit dem Disponenten verbunden.",
    },
    "operator_unavailable_leave_tip": {
        "nl": "Er is geen centralist beschikbaar. Spreek na de toon uw bericht in, "
              "en toets een hekje als u klaar bent.",
        "en": "No operator is available. Please leave your message after the tone, "
              "and press hash when you are done.",
        "de": "Es ist kein Disponent erreichbar. Bitte sprechen Sie nach dem Ton Ihre Nachricht, "
              "und drücken Sie die Rautetaste, wenn Sie fertig sind.",
    },
    "tip_saved": {
        "nl": "Bedankt, uw bericht is doorgegeven.",
        "en": "Thank you, your message has been passed on.",
        "de": "Vielen Dank, Ihre Nachricht wurde weitergegeben.",
    },
    "invalid_choice": {
        "nl": "Dat is geen geldige keuze.",
        "en": "That is not a valid choice.",
        "de": "Das ist keine gültige Auswahl.",
    },
    "no_input": {
        "nl": "Er is geen keuze ontvangen.",
        "en": "No choice was received.",
        "de": "Es wurde keine Auswahl empfangen.",
    },
    # Heard by the operator before the caller is bridged.
    "whisper_alerted": {
        "nl": "Beller is gewaarschuwd door deze actie.",
        "en": "Caller alerted by this action.",
        "de": "Anrufer wurde durch diese Aktion gewarnt.",
    },
    "whisper_not_alerted": {
        "nl": "Beller is niet gewaarschuwd door deze actie.",
        "en": "Caller not alerted by this action.",
        "de": "Anrufer wurde nicht durch diese Aktion gewarnt.",
    },
    "whisper_action_code": {
        "nl": "Actiecode",
        "en": "Action code",
        "de": "Aktionscode",
    },
    # Confirmation call when a landline number is registered.
    "confirm_code_intro": {
        "nl": "Uw bevestigingscode voor Uitkijk is",
        "en": "Your Uitkijk confirmation code is",
        "de": "Ihr Bestätigungscode für Uitkijk ist",
    },
    **{
        f"digit_{n}": {"nl": _DIGITS_NL[n], "en": _DIGITS_EN[n], "de": _DIGITS_DE[n]}
        for n in range(10)
    },
}


class UnknownPrompt(KeyError):
    """No prompt with this id exists in the catalogue."""

    def __init__(self, prompt_id):
        super().__init__(prompt_id)
        self.prompt_id = prompt_id

    def __str__(self):
        return f"unknown prompt id {self.prompt_id!r}"


class UnsupportedLanguage(ValueError):
    """A language the prompts are not available in."""

    def __init__(self, language):
        super().__init__(f"unsupported language {language!r}; expected one of {', '.join(LANGUAGES)}")
        self.language = language


def check_language(language: str) -> str:
    """Return `language` if prompts exist in it, else raise UnsupportedLanguage."""
    if language not in LANGUAGES:
        raise UnsupportedLanguage(language)
    return language


def prompt_text(prompt_id: str, language: str) -> str:
    """The text of a fixed prompt; UnknownPrompt / UnsupportedLanguage on bad input."""
    check_language(language)
    try:
        return PROMPTS[prompt_id][language]
    except KeyError:
        raise UnknownPrompt(prompt_id) from None


def prompt_ids() -> list[str]:
    """Every prompt id, in catalogue order."""
    return list(PROMPTS)


def all_prompts() -> Iterator[tuple[str, str, str]]:
    """Yield (prompt_id, language, text) for every prompt in every language."""
    for prompt_id, texts in PROMPTS.items():
        for language in LANGUAGES:
            yield prompt_id, language, texts[language]

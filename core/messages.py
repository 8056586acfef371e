"""The words a participant gets: the alert and the closing message, per channel and language."""
from core.sms_texts import EXERCISE, compose_alert, compose_closing

RESULT_TEXT = {
    "nl": {"suspect_caught": "De verdachte is aangehouden.", "person_found": "De vermiste persoon is gevonden.",
           "not_found": "Er is niemand gevonden.", "cancelled": "De actie is ingetrokken."},
    "en": {"suspect_caught": "The suspect has been caught.", "person_found": "The missing person has been found.",
           "not_found": "Nobody was found.", "cancelled": "The action has been called off."},
    "de": {"suspect_caught": "Der Verdächtige wurde festgenommen.",
           "person_found": "Die vermisste Person wurde gefunden.",
           "not_found": "Es wurde niemand gefunden.", "cancelled": "Die Aktion wurde zurückgezogen."},
}
SPOKEN = {
    "nl": {"alert": "Dit is Uitkijk met een oproep van de politie. {message} Actiecode {code}. "
                    "Heeft u iets gezien? Toets 1 om direct doorverbonden te worden, of bel gratis {free}.",
           "closing": "Dit is Uitkijk. De actie waarover u gebeld bent is beëindigd. {result} {text} Bedankt voor uw hulp."},
    "en": {"alert": "This is Uitkijk with an alert from the police. {message} Action code {code}. "
                    "Have you seen anything? Press 1 to be put through now, or call free on {free}.",
           "closing": "This is Uitkijk. The action you were alerted about has ended. {result} {text} Thank you for your help."},
    "de": {"alert": "Hier ist Uitkijk mit einem Aufruf der Polizei. {message} Aktionscode {code}. "
                    "Haben Sie etwas gesehen? Drücken Sie die 1, um direkt verbunden zu werden, "
                    "oder rufen Sie kostenlos {free} an.",
           "closing": "Hier ist Uitkijk. Die Aktion, über die Sie angerufen wurden, ist beendet. {result} {text} "
                      "Vielen Dank für Ihre Hilfe."},
}


# Before an exercise's spoken alert and closing: said first, so nobody takes it for a real alert.
SPOKEN_EXERCISE = {"nl": "Dit is een oefening.", "en": "This is an exercise.", "de": "Dies ist eine Übung."}


def language_of(language):
    return language if language in SPOKEN else "nl"


def spoken_code(code):
    return " ".join(code)


def closing_result(action, language):
    return " ".join(part for part in (RESULT_TEXT[language].get(action.result or "", ""),
                                      action.closing_text or "") if part)


def message_for(action, channel, purpose, language, free_number, page_url=None):
    """The text of one delivery; for voice the text that is spoken (or printed by a console transport).
    A published action's SMS links its public page (photo, area); an alert by e-mail says what the SMS says."""
    language = language_of(language)
    exercise = bool(action.exercise)
    if channel in ("sms", "email"):
        if purpose == "alert":
            return compose_alert(action.message, action.code, free_number, language=language, link=page_url,
                                 exercise=exercise).text
        return compose_closing(closing_result(action, language), action.code, language=language,
                               exercise=exercise).text
    if purpose == "alert":
        spoken = SPOKEN[language]["alert"].format(message=action.message, code=spoken_code(action.code),
                                                  free=free_number)
    else:
        spoken = SPOKEN[language]["closing"].format(result=RESULT_TEXT[language].get(action.result or "", ""),
                                                    text=action.closing_text or "").replace("  ", " ")
    return f"{EXERCISE[language]}. {SPOKEN_EXERCISE[language]} {spoken}" if exercise else spoken

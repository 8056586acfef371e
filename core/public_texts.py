"""The words of a public alert (CAP, feeds, partners, the public page), per language: Dutch first.

Google Public Alerts' content rules shape them: a headline that stands on its own, a short area
description, an instruction saying what to do, and nothing "Unknown"; one <info> per language, each
in its own language. The operator writes the Dutch title and description, and may write English
ones; without them the English info does not repeat the Dutch text: its headline names the event and
the area, its description says what kind of alert it is, where, and that the description is in Dutch
on the Dutch version and the public page. Event, instruction and area are always the project's own
English words. The public page's own words are the web's (the gettext catalogues).
"""
LANGUAGES = ("nl", "en")
CAP_LANGUAGE = {"nl": "nl-NL", "en": "en-GB"}
HEADLINE_MAX = 140
AREA_DESC_MAX = 49

EVENT = {
    "nl": {"amber_alert": "AMBER Alert", "missing_person": "Vermissing"},
    "en": {"amber_alert": "AMBER Alert", "missing_person": "Missing person"},
}
HEADLINE = {
    "nl": {"Alert": "{event}: {title}", "Update": "{event} (bijgewerkt): {title}", "Cancel": "{event} beëindigd"},
    "en": {"Alert": "{event}: {title}", "Update": "{event} (updated): {title}", "Cancel": "{event} ended"},
}
INSTRUCTION = {
    "nl": "Heeft u iets gezien? Bel gratis {free}. Bij direct gevaar: bel 112. Spreek de persoon niet zelf aan.",
    "en": "Have you seen anything? Call free on {free}. In immediate danger: call 112. Do not approach the person yourself.",
}
# The English headline and description when the operator wrote none (the Dutch is never copied in).
UNTRANSLATED = {
    "headline": {"Alert": "{event}: {area}", "Update": "{event} (updated): {area}"},
    "description": {
        "amber_alert": "AMBER Alert: a child is missing and may be in danger. Area: {area}. "
                       "The police's description is in Dutch only: see the Dutch version of this alert "
                       "or the alert's web page.",
        "missing_person": "A missing person is being searched for. Area: {area}. "
                          "The police's description is in Dutch only: see the Dutch version of this alert "
                          "or the alert's web page.",
    },
}
CANCEL_DESCRIPTION = {
    "nl": {"person_found": "Het kind is gevonden. Dank voor het uitkijken en delen.",
           "default": "Deze oproep is ingetrokken. Dank voor het uitkijken en delen."},
    "en": {"person_found": "The child has been found. Thank you for looking out and sharing.",
           "default": "This alert has been withdrawn. Thank you for looking out and sharing."},
}
CANCEL_INSTRUCTION = {
    "nl": "U hoeft niets meer te doen. Verwijder gedeelde berichten en foto's.",
    "en": "No action is needed any more. Please delete shared messages and photos.",
}
AREA = {
    "nl": {"country": "Heel Nederland", "circle": "{name} en omgeving ({km} km)", "circle_unnamed": "Zoekgebied van {km} km",
           "polygon": "Zoekgebied"},
    "en": {"country": "All of the Netherlands", "circle": "{name} and surroundings ({km} km)",
           "circle_unnamed": "Search area of {km} km", "polygon": "Search area"},
}


def shorten(text, limit):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def km(radius_m):
    value = radius_m / 1000
    return f"{value:g}" if value >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")


def area_description(area, language, name=None):
    """areaDesc: short (Google: under 50 characters), a place name rather than coordinates."""
    words = AREA[language]
    if area["type"] == "country":
        text = words["country"]
    elif area["type"] == "circle":
        distance = km(area["radius_m"]).replace(".", ",") if language == "nl" else km(area["radius_m"])
        text = words["circle"].format(name=name, km=distance) if name else words["circle_unnamed"].format(km=distance)
    elif area["type"] == "polygon":
        text = name or words["polygon"]
    else:
        text = name or ", ".join(area.get("names") or area.get("codes") or [])
    return shorten(text, AREA_DESC_MAX)


def alert_texts(kind, msg_type, written, free_number, area_desc, result=None):
    """{language: {event, headline, description, instruction}} of one CAP message.

    `written` holds the operator's own words per language: {"nl": (title, message), "en": (title or None,
    message or None)}; `area_desc` the short area description per language."""
    texts = {}
    for language in LANGUAGES:
        event = EVENT[language][kind]
        title, message = written.get(language) or (None, None)
        if msg_type == "Cancel":
            headline = HEADLINE[language][msg_type].format(event=event)
            cancel = CANCEL_DESCRIPTION[language]
            description = cancel.get(result or "", cancel["default"])
            instruction = CANCEL_INSTRUCTION[language]
        else:
            area = area_desc[language]
            headline = (HEADLINE[language][msg_type].format(event=event, title=title) if title
                        else UNTRANSLATED["headline"][msg_type].format(event=event, area=area))
            description = message or UNTRANSLATED["description"][kind].format(area=area)
            instruction = INSTRUCTION[language].format(free=free_number)
        headline = shorten(headline, HEADLINE_MAX)
        texts[language] = {"event": event, "headline": headline, "description": description,
                           "instruction": instruction}
    return texts


EXERCISE = {"nl": "OEFENING", "en": "EXERCISE"}


def exercise_texts(texts):
    """An exercise's texts: headline and description start with OEFENING (EXERCISE), so a feed, a screen or
    the public page that shows only one of them still says it."""
    return {language: {**words, "headline": shorten(f"{EXERCISE[language]}: {words['headline']}", HEADLINE_MAX),
                       "description": f"{EXERCISE[language]}: {words['description']}"}
            for language, words in texts.items()}

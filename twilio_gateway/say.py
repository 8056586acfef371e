"""The language Twilio's <Say> speaks for a participant's language (a prompt with no rendering yet,
a confirmation code spoken inline)."""
SAY_LANGUAGES = {"nl": "nl-NL", "en": "en-GB", "de": "de-DE"}


def say_language(language):
    return SAY_LANGUAGES.get(language, SAY_LANGUAGES["nl"])

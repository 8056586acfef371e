"""Domain errors that the API, the web and the CLI turn into clear messages.

A reason is an English sentence that is also its catalogue's msgid, with %(name)s placeholders for the
values it names (numbers, limits, codes: never words to translate). The core stays free of Flask: it
keeps the msgid and the values (`Reason`), and the web, the API and the CLI render the sentence in the
reader's language (web.i18n.reason_text). `make translations` collects the reasons from
ValidationError(field, "reason", ...) and Conflict("reason", ...) calls and from N_("reason") marks.
"""


def N_(message):
    """Marks a reason given to a ValidationError later (a default, a table) for the catalogue."""
    return message


class Reason(str):
    """The English text of a reason, carrying its msgid and values so it can be rendered in any language."""

    def __new__(cls, message, params=None):
        params = dict(params or {})
        text = super().__new__(cls, message % params if params else message)
        text.message, text.params = message, params
        return text

    def __reduce__(self):  # pickled (job results) with its msgid, not as its English text
        return Reason, (self.message, self.params)


class ValidationError(ValueError):
    """Input that cannot be accepted; names the field (a technical identifier) and the reason."""

    def __init__(self, field, reason, **params):
        self.field = field
        self.reason = reason if isinstance(reason, Reason) and not params else Reason(reason, params)
        super().__init__(f"{field}: {self.reason}")

    def as_dict(self):
        return {"field": self.field, "reason": self.reason}


# What a reader is told is missing, per kind of thing: a whole sentence each, so a language names the
# thing in its own words ("actie 5 niet gevonden"), not the identifier.
NOT_FOUND = {
    "action": N_("action %(ident)s not found"),
    "action kind": N_("action kind %(ident)s not found"),
    "api token": N_("API token %(ident)s not found"),
    "control room": N_("control room %(ident)s not found"),
    "inquiry": N_("inquiry %(ident)s not found"),
    "launch approval": N_("launch approval %(ident)s not found"),
    "mail sender": N_("mail sender %(ident)s not found"),
    "message template": N_("message template %(ident)s not found"),
    "operator": N_("operator %(ident)s not found"),
    "participant": N_("participant %(ident)s not found"),
    "partner": N_("partner %(ident)s not found"),
    "photo": N_("photo %(ident)s not found"),
    "prompt": N_("prompt %(ident)s not found"),
    "recording": N_("recording %(ident)s not found"),
    "reply": N_("reply %(ident)s not found"),
    "signing key": N_("signing key %(ident)s not found"),
    "trunk": N_("trunk %(ident)s not found"),
    "user": N_("user %(ident)s not found"),
    "webhook": N_("webhook %(ident)s not found"),
}


class NotFound(LookupError):
    """The thing asked for does not exist (or is not visible to the caller). `kind` is an identifier
    (action, participant), as a field's name is, and one of NOT_FOUND's: the reason names it in words."""

    def __init__(self, kind, ident):
        self.kind = kind
        self.ident = ident
        self.reason = Reason(NOT_FOUND[kind], {"ident": ident})
        super().__init__(str(self.reason))


class Conflict(RuntimeError):
    """The request clashes with the current state (e.g. ending an ended action); its reason is a
    catalogue msgid with values, like a ValidationError's."""

    def __init__(self, reason, **params):
        self.reason = reason if isinstance(reason, Reason) and not params else Reason(reason, params)
        super().__init__(str(self.reason))

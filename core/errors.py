"""Domain errors that the API and CLI turn into clear messages."""


class ValidationError(ValueError):
    """Input that cannot be accepted; names the field and the reason."""

    def __init__(self, field, reason):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def as_dict(self):
        return {"field": self.field, "reason": self.reason}


class NotFound(LookupError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    def __init__(self, kind, ident):
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind
        self.ident = ident


class Conflict(RuntimeError):
    """The request clashes with the current state (e.g. ending an ended action)."""

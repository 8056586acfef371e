"""The participant register as one web user may see and change it.

Municipality staff see and change only their own municipality's participants; admins see all.
The rule lives here, in the queries, so no view or template can forget it.
"""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .csv_import import import_csv
from .errors import NotFound, ValidationError
from .geocoding import TableGeocoder
from .models import Municipality, Participant, PhoneNumber
from .numbers import parse_number
from .participants import Registry, already_registered, validate

STATUSES = ("active", "inactive", "all")


class ParticipantScope:
    """All participants (municipality=None) or those of one municipality."""

    def __init__(self, session, municipality=None):
        self.session = session
        self.municipality = municipality

    @classmethod
    def for_user(cls, session, user):
        if user.role == "admin":
            return cls(session)
        if user.role == "municipality" and user.municipality_id is not None:
            municipality = session.get(Municipality, user.municipality_id)
            if municipality is not None:
                return cls(session, municipality)
        raise PermissionError(f"a {user.role} account has no access to the participant register")

    @property
    def restricted(self):
        return self.municipality is not None

    def _visible(self, stmt):
        if self.restricted:
            stmt = stmt.where(Participant.municipality_id == self.municipality.id)
        return stmt

    def _matching(self, query, status):
        if status not in STATUSES:
            raise ValidationError("status", "must be one of %(choices)s", choices=", ".join(STATUSES))
        stmt = self._visible(select(Participant))
        if status != "all":
            stmt = stmt.where(Participant.active.is_(status == "active"))
        query = (query or "").strip()
        if query:
            stmt = stmt.where(or_(*self._matches(query)))
        return stmt

    @staticmethod
    def _loaded(stmt):
        return stmt.options(selectinload(Participant.numbers), selectinload(Participant.locations),
                            selectinload(Participant.municipality))

    def search(self, query="", status="active", page=1, per_page=50):
        """(participants, total) matching a name, e-mail, reference or phone number, by name."""
        stmt = self._matching(query, status)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = self.session.scalars(self._loaded(stmt).order_by(Participant.name, Participant.id)
                                    .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
        return rows, total

    def page(self, query="", status="active", limit=100, after_id=None):
        """The next `limit` participants matching as in `search`, by id after `after_id`: a cursor's page,
        stable while the register changes (no row is skipped or shown twice, as an offset would)."""
        stmt = self._matching(query, status)
        if after_id is not None:
            stmt = stmt.where(Participant.id > after_id)
        return self.session.scalars(self._loaded(stmt).order_by(Participant.id).limit(limit)).all()

    @staticmethod
    def _matches(query):
        conditions = [Participant.name.icontains(query, autoescape=True),
                      Participant.email.icontains(query, autoescape=True),
                      Participant.external_ref.icontains(query, autoescape=True)]
        digits = "".join(ch for ch in query if ch.isdigit())
        numbers = []
        try:
            numbers.append(PhoneNumber.e164 == parse_number(query).e164)
        except ValidationError:
            pass
        if len(digits) >= 4:
            numbers.append(PhoneNumber.e164.contains(digits.lstrip("0"), autoescape=True))
        if numbers:
            conditions.append(Participant.id.in_(select(PhoneNumber.participant_id).where(or_(*numbers))))
        return conditions

    def get(self, participant_id):
        """The participant, or NotFound also when it belongs to another municipality."""
        participant = self.session.scalar(self._visible(select(Participant).where(Participant.id == participant_id)))
        if participant is None:
            raise NotFound("participant", participant_id)
        return participant

    def municipalities(self):
        """The municipalities a participant may be put in by this user."""
        if self.restricted:
            return [self.municipality]
        return self.session.scalars(select(Municipality).order_by(Municipality.name)).all()

    def save(self, data, region="NL", participant=None, geocoder=None):
        """Validate and write a participant (an address placed by `geocoder`); staff always write into
        their own municipality."""
        if self.restricted:
            data = {**data, "municipality": self.municipality.code}
        spec = validate(data, region, geocoder or TableGeocoder(self.session))
        registry = Registry(self.session)
        if participant is None:
            existing = registry.find_existing(spec)
            if existing is not None:
                if self._owned_elsewhere(existing):
                    raise already_registered(spec, existing)
                raise ValidationError("phones[0]", "is already registered; search for it and edit that participant")
        with self.session.begin_nested():
            return registry.save(spec, participant)

    def set_active(self, participant_id, active):
        participant = self.get(participant_id)
        participant.active = bool(active)
        self.session.flush()
        return participant

    def _owned_elsewhere(self, participant):
        return self.restricted and participant.municipality_id != self.municipality.id

    def import_csv(self, text, region="NL", geocoder=None):
        """Import CSV text; for staff, every row is confined to their municipality (see core.csv_import)."""
        return import_csv(self.session, text, region, only_municipality=self.municipality, geocoder=geocoder)

"""The participant register as one web user may see and change it.

Municipality staff see and change only their own municipality's participants; admins see all.
The rule lives here, in the queries, so no view or template can forget it.
"""
import csv
import io

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .csv_import import import_csv
from .errors import NotFound, ValidationError
from .models import Municipality, Participant, PhoneNumber
from .numbers import parse_number
from .participants import Registry, validate

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

    def search(self, query="", status="active", page=1, per_page=50):
        """(participants, total) matching a name, e-mail, reference or phone number."""
        if status not in STATUSES:
            raise ValidationError("status", f"must be one of {', '.join(STATUSES)}")
        stmt = self._visible(select(Participant))
        if status != "all":
            stmt = stmt.where(Participant.active.is_(status == "active"))
        query = (query or "").strip()
        if query:
            stmt = stmt.where(or_(*self._matches(query)))
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = self.session.scalars(
            stmt.options(selectinload(Participant.numbers), selectinload(Participant.locations),
                         selectinload(Participant.municipality))
            .order_by(Participant.name, Participant.id)
            .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
        return rows, total

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

    def save(self, data, region="NL", participant=None):
        """Validate and write a participant; staff always write into their own municipality."""
        if self.restricted:
            data = {**data, "municipality": self.municipality.code}
        spec = validate(data, region)
        registry = Registry(self.session)
        if participant is None:
            existing = registry.find_existing(spec)
            if existing is not None:
                if self._owned_elsewhere(existing):
                    raise ValidationError("phones[0]", "is registered in another municipality")
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

    def import_csv(self, text, region="NL"):
        """Import CSV text; for staff, rows about another municipality's participants are refused."""
        if not self.restricted:
            return import_csv(self.session, text, region)
        refused, text = self._refuse_foreign_rows(text, region)
        report = import_csv(self.session, text, region, default_municipality=self.municipality.code)
        report.errors = sorted(report.errors + refused, key=lambda e: e["line"])
        return report

    def _refuse_foreign_rows(self, text, region):
        """Blank out rows naming another municipality or someone registered there.

        Each refused row is replaced by as many empty lines as it spanned, so the importer's line
        numbers stay those of the file the user uploaded.
        """
        text = text.lstrip("\ufeff")
        lines = text.splitlines(keepends=True)
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            return [], text
        reader.fieldnames = [h.strip() for h in reader.fieldnames]
        refused, start = [], reader.line_num + 1
        for row in reader:
            end = reader.line_num
            reason = self._foreign_reason(row, region)
            if reason:
                refused.append({"line": end, "field": reason[0], "reason": reason[1]})
                for i in range(start - 1, end):
                    lines[i] = "\n"
            start = end + 1
        return refused, "".join(lines)

    def _foreign_reason(self, row, region):
        code = (row.get("municipality") or "").strip()
        if code and code != self.municipality.code:
            return "municipality", "you can only import participants of your own municipality"
        ref = (row.get("external_ref") or "").strip()
        if ref:
            owner = self.session.scalar(select(Participant).where(Participant.external_ref == ref))
            if owner is not None and self._owned_elsewhere(owner):
                return "external_ref", "belongs to a participant of another municipality"
        for column in ("phone", "phone2"):
            raw = (row.get(column) or "").strip()
            if not raw:
                continue
            try:
                e164 = parse_number(raw, region).e164
            except ValidationError:
                continue  # the importer reports the bad number itself
            owner_id = self.session.scalar(select(PhoneNumber.participant_id).where(PhoneNumber.e164 == e164))
            if owner_id is not None and self._owned_elsewhere(self.session.get(Participant, owner_id)):
                return column, "is registered in another municipality"
        return None

"""Bulk import of participants from CSV: good rows are saved, every bad row is reported by line number."""
import csv
import io
from dataclasses import dataclass, field

from .address_input import split_suffix
from .errors import ValidationError
from .geocoding import TableGeocoder
from .participants import Registry, already_registered, validate

# A location is given by coordinates, or by an address the geocoder places: postcode and house number
# (the addition holds a house letter and/or toevoeging: A, 2, A-2), or street, house number and city.
ADDRESS_PARTS = ("postcode", "house_number", "addition", "street", "city")
COLUMNS = ("external_ref", "name", "email", "language", "municipality", "phone", "phone_channel",
           "phone2", "phone2_channel", "home_lat", "home_lon", "home_address",
           *(f"home_{part}" for part in ADDRESS_PARTS), "work_lat", "work_lon", "work_address",
           *(f"work_{part}" for part in ADDRESS_PARTS), "quiet_start", "quiet_end", "test")
# The test column's words (a test or staff participant, whom exercises reach); empty leaves it as it is.
TEST_WORDS = {"ja": True, "yes": True, "1": True, "true": True, "nee": False, "no": False, "0": False,
              "false": False}
REQUIRED_COLUMNS = ("phone",)
# Any one of these sets of columns gives the home location.
HOME_COLUMN_SETS = (("home_lat", "home_lon"), ("home_postcode", "home_house_number"),
                    ("home_street", "home_house_number", "home_city"))
BATCH = 500


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)  # {"line": n, "field": ..., "reason": ...}
    changed: list = field(default_factory=list)  # {"line": n, "participant_id": id, "change": created|updated}

    def as_dict(self):
        return {"created": self.created, "updated": self.updated, "rejected": len(self.errors),
                "errors": self.errors}

    def audit_detail(self):
        """Which participants the import created and updated, and which lines it refused."""
        return {"created": [c["participant_id"] for c in self.changed if c["change"] == "created"],
                "updated": [c["participant_id"] for c in self.changed if c["change"] == "updated"],
                "rejected": [{"line": e["line"], "field": e["field"]} for e in self.errors]}


def row_to_input(row):
    """A CSV row (dict of column -> text) in the shape `participants.validate` takes."""
    phones = []
    for col in ("phone", "phone2"):
        if (row.get(col) or "").strip():
            phones.append({"number": row[col], "channel": (row.get(f"{col}_channel") or "").strip() or None})

    def location(prefix):
        lat, lon = (row.get(f"{prefix}_lat") or "").strip(), (row.get(f"{prefix}_lon") or "").strip()
        address = (row.get(f"{prefix}_address") or "").strip() or None
        parts = {part: (row.get(f"{prefix}_{part}") or "").strip() for part in ADDRESS_PARTS}
        if not lat and not lon:
            if not any(parts.values()):
                return {"address": address} if address else None
            letter, addition = split_suffix(parts.pop("addition"), f"{prefix}.addition")
            return {**parts, "house_letter": letter, "addition": addition}
        return {"lat": lat, "lon": lon, "address": address}

    quiet = None
    if (row.get("quiet_start") or "").strip() or (row.get("quiet_end") or "").strip():
        quiet = {"start": row.get("quiet_start"), "end": row.get("quiet_end")}
    return {
        "external_ref": row.get("external_ref"), "name": row.get("name"), "email": row.get("email"),
        "language": (row.get("language") or "").strip() or None, "municipality": row.get("municipality"),
        "phones": phones, "home": location("home"), "work": location("work"), "quiet_hours": quiet,
        "test": _test_flag(row.get("test")),
    }


def _test_flag(text):
    word = (text or "").strip().lower()
    if not word:
        return None
    if word not in TEST_WORDS:
        raise ValidationError("test", "must be ja or nee")
    return TEST_WORDS[word]


def import_csv(session, text, region="NL", default_municipality=None, only_municipality=None, geocoder=None):
    """Import CSV text; return the report. Each good row is saved inside its own savepoint.

    Rows that give an address are placed by `geocoder` (default: the address table).

    With `only_municipality` (a Municipality: the import of that municipality's staff) every row is
    put in it, and a row naming another municipality, or about a participant registered elsewhere,
    is refused; the check is made here, on each parsed row, so no reading of the file can slip past it.
    """
    report = ImportReport()
    # Rows end at LF (or CRLF) only: a bare CR inside a row makes that row a bad row, not two rows.
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise ValidationError("file", "the header line cannot be read (%(detail)s)", detail=str(exc)) from None
    header = [h.strip() for h in fieldnames]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationError("file", "missing column(s): %(columns)s", columns=", ".join(missing))
    if not any(all(c in header for c in columns) for columns in HOME_COLUMN_SETS):
        raise ValidationError("file", "missing column(s) of the home location; one of these sets: %(sets)s",
                              sets=" | ".join(", ".join(columns) for columns in HOME_COLUMN_SETS))
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise ValidationError("file", "unknown column(s): %(columns)s",
                              columns=", ".join(c[:40] for c in unknown[:10]))
    reader.fieldnames = header
    if only_municipality is not None:
        default_municipality = only_municipality.code
    registry = Registry(session)
    geocoder = geocoder or TableGeocoder(session)
    seen = {}
    for line_no, row, problem in _numbered_rows(reader):
        try:
            if problem:
                raise problem
            data = row_to_input(row)
            if default_municipality and not (data["municipality"] or "").strip():
                data["municipality"] = default_municipality
            spec = validate(data, region, geocoder)
            key = spec.external_ref or spec.numbers[0].e164
            if key in seen:
                raise ValidationError("row", "repeats line %(line)s", line=seen[key])
            existing = registry.find_existing(spec)
            if only_municipality is not None:
                _confine(spec, existing, only_municipality)
            with session.begin_nested():
                saved = registry.save(spec, existing)
            seen[key] = line_no
            change = "created" if existing is None else "updated"
            setattr(report, change, getattr(report, change) + 1)
            report.changed.append({"line": line_no, "participant_id": saved.id, "change": change})
        except ValidationError as exc:
            report.errors.append({"line": line_no, "field": exc.field, "reason": exc.reason})
        if line_no % BATCH == 0:
            session.expunge_all()
    return report


def _confine(spec, existing, municipality):
    """Refuse a row that is not about `municipality`: no other code, nobody registered elsewhere."""
    if spec.municipality_code != municipality.code:
        raise ValidationError("municipality", "you can only import participants of your own municipality")
    if existing is not None and existing.municipality_id != municipality.id:
        raise already_registered(spec, existing)


def _numbered_rows(reader):
    """Yield (line number, row, None) or (line number, None, a ValidationError: why the row cannot be read)."""
    width = len(reader.fieldnames)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field beyond csv's size limit, a bare CR
            problem = (ValidationError("row", "has a line break (CR) inside a field that is not quoted")
                       if "new-line" in str(exc) else
                       ValidationError("row", "cannot be read as CSV (%(detail)s)", detail=str(exc)))
            yield reader.reader.line_num, None, problem  # DictReader's own line_num lags on errors
            continue
        if None in row or any(v is None for v in row.values()) or len(row) != width:
            yield reader.line_num, None, ValidationError("row", "wrong number of columns")
        else:
            yield reader.line_num, row, None

"""Bulk import of participants from CSV: good rows are saved, every bad row is reported by line number."""
import csv
import io
from dataclasses import dataclass, field

from .errors import ValidationError
from .participants import Registry, validate

COLUMNS = ("external_ref", "name", "email", "language", "municipality", "phone", "phone_channel",
           "phone2", "phone2_channel", "home_lat", "home_lon", "home_address", "work_lat", "work_lon",
           "work_address", "quiet_start", "quiet_end")
REQUIRED_COLUMNS = ("phone", "home_lat", "home_lon")
BATCH = 500


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)  # {"line": n, "field": ..., "reason": ...}

    def as_dict(self):
        return {"created": self.created, "updated": self.updated, "rejected": len(self.errors),
                "errors": self.errors}


def row_to_input(row):
    """A CSV row (dict of column -> text) in the shape `participants.validate` takes."""
    phones = []
    for col in ("phone", "phone2"):
        if (row.get(col) or "").strip():
            phones.append({"number": row[col], "channel": (row.get(f"{col}_channel") or "").strip() or None})

    def location(prefix):
        lat, lon = (row.get(f"{prefix}_lat") or "").strip(), (row.get(f"{prefix}_lon") or "").strip()
        if not lat and not lon:
            return None
        return {"lat": lat, "lon": lon, "address": (row.get(f"{prefix}_address") or "").strip() or None}

    quiet = None
    if (row.get("quiet_start") or "").strip() or (row.get("quiet_end") or "").strip():
        quiet = {"start": row.get("quiet_start"), "end": row.get("quiet_end")}
    return {
        "external_ref": row.get("external_ref"), "name": row.get("name"), "email": row.get("email"),
        "language": (row.get("language") or "").strip() or None, "municipality": row.get("municipality"),
        "phones": phones, "home": location("home"), "work": location("work"), "quiet_hours": quiet,
    }


def import_csv(session, text, region="NL", default_municipality=None):
    """Import CSV text; return the report. Each good row is saved inside its own savepoint."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationError("file", f"missing column(s): {', '.join(missing)}")
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise ValidationError("file", f"unknown column(s): {', '.join(unknown)}")
    reader.fieldnames = header
    registry = Registry(session)
    seen = {}
    for line_no, row in _numbered_rows(reader):
        if row is None:
            report.errors.append({"line": line_no, "field": "row", "reason": "wrong number of columns"})
            continue
        try:
            data = row_to_input(row)
            if default_municipality and not data["municipality"]:
                data["municipality"] = default_municipality
            spec = validate(data, region)
            key = spec.external_ref or spec.numbers[0].e164
            if key in seen:
                raise ValidationError("row", f"repeats line {seen[key]}")
            existing = registry.find_existing(spec)
            with session.begin_nested():
                registry.save(spec, existing)
            seen[key] = line_no
            if existing is None:
                report.created += 1
            else:
                report.updated += 1
        except ValidationError as exc:
            report.errors.append({"line": line_no, "field": exc.field, "reason": exc.reason})
        if line_no % BATCH == 0:
            session.expunge_all()
    return report


def _numbered_rows(reader):
    """Yield (physical line number, row or None for a row with the wrong number of fields)."""
    width = len(reader.fieldnames)
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()) or len(row) != width:
            yield line, None
        else:
            yield line, row

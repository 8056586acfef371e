"""The offline address table from a BAG extract: `flask addresses import FILE`.

The file is CSV with a header line, separated by semicolons (as the common BAG exports are) or
commas, one address (nummeraanduiding) a line. Columns, by their BAG names (the usual aliases too):

  postcode              1012LG (a space is allowed)
  huisnummer            1..99999
  huisletter            optional, one letter
  huisnummertoevoeging  optional, at most four letters or digits (alias: toevoeging)
  openbareruimtenaam    the street (aliases: straat, straatnaam, openbareruimte)
  woonplaatsnaam        the place (alias: woonplaats)
  gemeentecode          CBS municipality code, 0363 or GM0363 (optional)
  x, y                  RD New metres (aliases: rd_x, rd_y), converted to WGS84 (core.rijksdriehoek)
  lat, lon              WGS84 degrees instead of x and y
  wijkcode, wijknaam, buurtcode, buurtnaam
                        the CBS neighbourhood (optional): WK036300, BU03630000

A re-import updates addresses in place (the key is postcode, number, letter, addition), so a monthly
extract can be loaded over the last one. Bad lines are reported by number and field and skipped.
"""
import csv
import io
from dataclasses import dataclass, field

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .address_input import MAX_NAME, fold, parse_house, parse_postcode
from .errors import ValidationError
from .geo import check_point
from .input_checks import check_text
from .models import Address
from .rijksdriehoek import rd_to_wgs84

ALIASES = {
    "postcode": "postcode", "huisnummer": "huisnummer", "huisletter": "huisletter",
    "huisnummertoevoeging": "toevoeging", "toevoeging": "toevoeging",
    "openbareruimtenaam": "straat", "openbareruimte": "straat", "straatnaam": "straat", "straat": "straat",
    "woonplaatsnaam": "woonplaats", "woonplaats": "woonplaats",
    "gemeentecode": "gemeentecode", "gemeente_code": "gemeentecode",
    "x": "x", "rd_x": "x", "y": "y", "rd_y": "y", "lat": "lat", "lon": "lon",
    "wijkcode": "wijkcode", "wijknaam": "wijknaam", "buurtcode": "buurtcode", "buurtnaam": "buurtnaam",
}
REQUIRED = ("postcode", "huisnummer", "straat", "woonplaats")
BATCH = 1000  # rows per INSERT: 16 columns each stays below SQLite's 32,766 parameters
MAX_ERRORS = 200  # a report of a broken file stays readable: the first ones, and the count


@dataclass
class AddressImportReport:
    imported: int = 0
    rejected: int = 0
    errors: list = field(default_factory=list)  # {"line", "field", "reason"}, the first MAX_ERRORS

    def as_dict(self):
        return {"imported": self.imported, "rejected": self.rejected, "errors": self.errors}


def import_addresses(session, stream, progress=None):
    """Import a BAG CSV from a text stream into the address table; returns the report.

    `progress(lines_read)` is called after every batch, for a long national extract."""
    report = AddressImportReport()
    first = stream.readline().lstrip("\ufeff")
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(_chain(first, stream), delimiter=delimiter)
    try:
        header = [ALIASES.get(name.strip().lower()) or name.strip().lower() for name in next(reader)]
    except (StopIteration, csv.Error):
        raise ValidationError("file", "is empty or its header line cannot be read") from None
    missing = [name for name in REQUIRED if name not in header]
    if not (("x" in header and "y" in header) or ("lat" in header and "lon" in header)):
        missing.append("x and y (or lat and lon)")
    if missing:
        raise ValidationError("file", "missing column(s): %(columns)s", columns=", ".join(missing))
    batch = {}
    line_no = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line_no = reader.line_num
            _reject(report, line_no, "row", f"cannot be read as CSV ({exc})")
            continue
        line_no = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            _reject(report, line_no, "row", f"has {len(values)} columns, the header {len(header)}")
            continue
        try:
            row = address_row(dict(zip(header, values)))
        except ValidationError as exc:
            _reject(report, line_no, exc.field, exc.reason)
            continue
        batch[(row["postcode"], row["house_number"], row["house_letter"], row["addition"])] = row
        if len(batch) >= BATCH:
            report.imported += _upsert(session, list(batch.values()))
            batch = {}
            if progress:
                progress(line_no - 1)
    if batch:
        report.imported += _upsert(session, list(batch.values()))
    if progress:
        progress(line_no - 1)
    return report


def import_address_text(session, text):
    return import_addresses(session, io.StringIO(text))


def _chain(first, stream):
    yield first
    yield from stream


def _reject(report, line_no, field_name, reason):
    report.rejected += 1
    if len(report.errors) < MAX_ERRORS:
        report.errors.append({"line": line_no, "field": field_name, "reason": reason})


def address_row(raw):
    """One CSV row (BAG column names) as the address table's columns; ValidationError names the column."""
    postcode = parse_postcode(raw.get("postcode"), "postcode")
    number, letter, addition = parse_house(raw.get("huisnummer"), raw.get("huisletter") or "",
                                           raw.get("toevoeging") or "", "huisnummer", "huisletter", "toevoeging")
    street, city = _name(raw, "straat"), _name(raw, "woonplaats")
    if (raw.get("lat") or "").strip() or (raw.get("lon") or "").strip():
        lat, lon = check_point(raw.get("lat", "").strip(), raw.get("lon", "").strip(), "lat/lon")
    else:
        lat, lon = rd_to_wgs84(_metres(raw, "x"), _metres(raw, "y"), "rd")
    return {"postcode": postcode, "house_number": number, "house_letter": letter, "addition": addition,
            "street": street, "city": city, "street_key": fold(street), "city_key": fold(city),
            "municipality_code": _code(raw, "gemeentecode", "GM", 4), "lat": round(lat, 7), "lon": round(lon, 7),
            "wijk_code": _code(raw, "wijkcode", "WK", 6), "wijk_name": _name(raw, "wijknaam", required=False),
            "buurt_code": _code(raw, "buurtcode", "BU", 8), "buurt_name": _name(raw, "buurtnaam", required=False)}


def _name(raw, column, required=True):
    value = (raw.get(column) or "").strip()
    if not value:
        if required:
            raise ValidationError(column, "is empty")
        return None
    if len(value) > MAX_NAME:
        raise ValidationError(column, "is longer than %(max)s characters", max=MAX_NAME)
    return check_text(value, column, multiline=False)


def _metres(raw, column):
    text = (raw.get(column) or "").strip().replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValidationError(column, "must be an RD coordinate in metres") from None


def _code(raw, column, prefix, digits):
    """A CBS code with its prefix (GM0363, WK036300, BU03630000); the bare digits are accepted."""
    value = (raw.get(column) or "").strip().upper()
    if not value:
        return None
    if value.isdigit():
        value = prefix + value.zfill(digits)
    if not (value.startswith(prefix) and value[2:].isdigit() and len(value) == 2 + digits):
        raise ValidationError(column, "must be a CBS code like %(example)s", example=prefix + "0" * digits)
    return value


def _upsert(session, rows):
    """Insert the rows, updating an address that is already there (by its BAG key)."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Address).values(rows)
    updated = {name: statement.excluded[name] for name in rows[0]
               if name not in ("postcode", "house_number", "house_letter", "addition")}
    session.execute(statement.on_conflict_do_update(
        index_elements=["postcode", "house_number", "house_letter", "addition"], set_=updated))
    return len(rows)

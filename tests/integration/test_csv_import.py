"""Bulk CSV import: good rows in, bad rows reported by line, re-import creates no duplicates."""
from sqlalchemy import func, select

from core.models import Participant, PhoneNumber

HEADER = "external_ref,name,phone,phone2,home_lat,home_lon,home_address,language\n"
GOOD = [
    "r1,Anna,0612345678,,52.30,5.04,Nieuwstraat 1,nl\n",
    "r2,Bram,020 1234567,0612345679,52.31,5.05,,en\n",
    ",Carla,+32 470 12 34 56,,51.22,4.40,Antwerpen,nl\n",
]
BAD = [
    "r4,Dirk,12345,,52.3,5.0,,nl\n",          # line 5: invalid number
    "r5,Eva,0612345670,,95,5.0,,nl\n",          # line 6: latitude out of range
    "r6,Frank,0612345671,,52.3\n",              # line 7: too few columns
    "r1,Anna again,0612345672,,52.3,5.0,,nl\n",  # line 8: repeats line 2's reference
    "r7,Gijs,0612345673,,52.3,5.0,,xx\n",       # line 9: language
]


def count(app, model):
    with app.extensions["uitkijk"].db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_import_reports_bad_rows_and_keeps_good_ones(app, client, auth):
    """Every bad row is reported with its line number and reason; the good rows are imported."""
    csv_text = HEADER + "".join(GOOD + BAD)
    report = client.post("/api/participants/import", data=csv_text.encode(),
                         headers={**auth, "Content-Type": "text/csv"}).json
    assert (report["created"], report["updated"], report["rejected"]) == (3, 0, 5)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (5, "phones[0]"), (6, "home.lat"), (7, "row"), (8, "row"), (9, "language")]
    assert count(app, Participant) == 3 and count(app, PhoneNumber) == 4


def test_reimport_creates_no_duplicates(app, client, auth):
    """Importing the same file twice updates the same participants instead of adding new ones."""
    csv_text = (HEADER + "".join(GOOD)).encode()
    first = client.post("/api/participants/import", data=csv_text, headers={**auth, "Content-Type": "text/csv"}).json
    second = client.post("/api/participants/import", data=csv_text, headers={**auth, "Content-Type": "text/csv"}).json
    assert (first["created"], second["created"], second["updated"]) == (3, 0, 3)
    assert count(app, Participant) == 3


def test_malformed_file_is_refused_whole(app, client, auth):
    """A file without the required columns, or not UTF-8, is refused with 400 and nothing imported."""
    bad_header = client.post("/api/participants/import", data=b"naam,telefoon\nAnna,0612345678\n",
                             headers={**auth, "Content-Type": "text/csv"})
    assert bad_header.status_code == 400 and "missing column" in bad_header.json["reason"]
    not_utf8 = client.post("/api/participants/import", data=HEADER.encode() + b"\xff\xfe\x00",
                           headers={**auth, "Content-Type": "text/csv"})
    assert not_utf8.status_code == 400
    empty = client.post("/api/participants/import", data=b"", headers={**auth, "Content-Type": "text/csv"})
    assert empty.status_code == 400
    assert count(app, Participant) == 0


def test_import_as_multipart_upload(app, client, auth):
    """A CSV uploaded as a multipart file field is imported the same way."""
    import io
    data = {"file": (io.BytesIO((HEADER + GOOD[0]).encode()), "deelnemers.csv")}
    report = client.post("/api/participants/import", data=data, headers=auth,
                         content_type="multipart/form-data").json
    assert report["created"] == 1

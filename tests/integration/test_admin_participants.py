"""Participant pages for municipality staff: their own municipality only, add, edit, deactivate, CSV import."""
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.models import AuditEvent, Participant
from core.participant_access import ParticipantScope
from core.participants import Registry, validate
from lab.factories import CENTRE
from tests.integration.admin_web import login, make_user, municipality, post


def register(session, number, code, name, ref=None):
    data = {"phones": [number], "home": {"lat": CENTRE[0], "lon": CENTRE[1]}, "municipality": code,
            "name": name, "external_ref": ref}
    return Registry(session).save(validate(data)).id


@pytest.fixture
def two_towns(app):
    """Municipality A (0457) with Anna, municipality B (0363) with Bert; staff accounts for both."""
    with app.extensions["uitkijk"].db.session() as session:
        municipality(session, "0457", "Weesp")
        municipality(session, "0363", "Amsterdam")
        ids = {"anna": register(session, "0612345671", "0457", "Anna Aalders", "A-1"),
               "bert": register(session, "0612345672", "0363", "Bert Bakker", "B-1")}
    ids["staff_a"] = make_user(app, "municipality", "staff@weesp.nl", "0457")
    ids["staff_b"] = make_user(app, "municipality", "staff@amsterdam.nl", "0363")
    return ids


def participant(app, participant_id):
    """A snapshot of a participant: name, active, home latitude, numbers and municipality id."""
    with app.extensions["uitkijk"].db.session() as session:
        found = session.get(Participant, participant_id)
        snapshot = SimpleNamespace(name=found.name, active=found.active,
                                   home_lat=found.locations[0].lat if found.locations else None)
        return snapshot, [n.e164 for n in found.numbers], found.municipality_id


def form(number="0612345679", lat=CENTRE[0], lon=CENTRE[1], **extra):
    return {"name": "Nieuwe Deelnemer", "phone_1": number, "home_lat": str(lat), "home_lon": str(lon),
            "language": "nl", **extra}


def test_staff_list_shows_only_their_municipality(app, client, two_towns):
    """Staff of A see A's participants and not B's, also when searching for B by name."""
    login(client, two_towns["staff_a"])
    html = client.get("/participants").get_data(as_text=True)
    assert "Anna Aalders" in html and "Bert Bakker" not in html
    assert "Bert" not in client.get("/participants?q=Bert").get_data(as_text=True).split("<tbody>")[1]


def test_scope_query_hides_other_municipalities(app, two_towns):
    """The core scope itself refuses another municipality's participant, not just the page."""
    from core.models import User
    with app.extensions["uitkijk"].db.session() as session:
        staff = session.scalar(select(User).where(User.email == two_towns["staff_a"]))
        scope = ParticipantScope.for_user(session, staff)
        found, total = scope.search("")
        assert [p.id for p in found] == [two_towns["anna"]] and total == 1
        with pytest.raises(LookupError):
            scope.get(two_towns["bert"])


def test_staff_cannot_open_or_change_another_municipalitys_participant(app, client, two_towns):
    """Staff of A get 404 for B's participant on view, edit and deactivate, and nothing changes."""
    login(client, two_towns["staff_a"])
    bert = two_towns["bert"]
    assert client.get(f"/participants/{bert}").status_code == 404
    assert post(client, f"/participants/{bert}", form("0612345672", name="Hijacked")).status_code == 404
    assert post(client, f"/participants/{bert}/active", {"active": "0"}).status_code == 404
    found, _numbers, _m = participant(app, bert)
    assert found.name == "Bert Bakker" and found.active


def test_search_finds_by_phone_number(app, client, two_towns):
    """Staff find a participant by the number as people type it."""
    login(client, two_towns["staff_a"])
    html = client.get("/participants?q=06 1234 5671").get_data(as_text=True)
    assert "Anna Aalders" in html


def test_staff_add_participant_lands_in_their_municipality(app, client, two_towns):
    """A participant added by staff of A belongs to A, whatever the form says; it is audited."""
    login(client, two_towns["staff_a"])
    response = post(client, "/participants/new", form(municipality="0363"))
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    found, numbers, municipality_id = participant(app, new_id)
    assert numbers == ["+31612345679"]
    with app.extensions["uitkijk"].db.session() as session:
        assert municipality_id == municipality(session, "0457").id
        event = session.scalar(select(AuditEvent).where(AuditEvent.subject_type == "participant"))
        assert event.verb == "create" and event.actor == "user:staff@weesp.nl"


def test_add_reports_bad_input_by_field(app, client, two_towns):
    """A bad number or missing home location is shown as a clear message and nothing is saved."""
    login(client, two_towns["staff_a"])
    response = post(client, "/participants/new", form("12345"))
    assert response.status_code == 400 and "Telefoonnummer 1" in response.get_data(as_text=True)
    response = post(client, "/participants/new", form(lat="", lon=""))
    assert response.status_code == 400 and "een woonadres is verplicht" in response.get_data(as_text=True)


def test_staff_cannot_take_over_a_number_registered_elsewhere(app, client, two_towns):
    """Adding a participant with B's number in A is refused without saying where it is registered,
    and B's participant stays in B."""
    login(client, two_towns["staff_a"])
    response = post(client, "/participants/new", form("0612345672"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "staat op naam van een andere deelnemer" in html
    assert "another municipality" not in html and "Amsterdam" not in html
    _found, _numbers, municipality_id = participant(app, two_towns["bert"])
    with app.extensions["uitkijk"].db.session() as session:
        assert municipality_id == municipality(session, "0363").id


def test_edit_and_deactivate(app, client, two_towns):
    """Staff edit a participant (decimal comma accepted) and deactivate, then reactivate them."""
    login(client, two_towns["staff_a"])
    anna = two_towns["anna"]
    response = post(client, f"/participants/{anna}", form("0612345671", lat="52,31", name="Anna de Vries"))
    assert response.status_code == 302
    found, _numbers, _m = participant(app, anna)
    assert found.name == "Anna de Vries" and found.home_lat == 52.31
    assert post(client, f"/participants/{anna}/active", {"active": "0"}).status_code == 302
    assert not participant(app, anna)[0].active
    assert "Anna" not in client.get("/participants").get_data(as_text=True).split("<tbody>")[1]
    assert "Anna" in client.get("/participants?status=inactive").get_data(as_text=True)
    post(client, f"/participants/{anna}/active", {"active": "1"})
    assert participant(app, anna)[0].active


def upload(client, text):
    return post(client, "/participants/import", {"file": (io.BytesIO(text.encode()), "people.csv")},
                content_type="multipart/form-data")


def test_csv_import_reports_each_bad_row(app, client, two_towns):
    """The import saves good rows into the staff's municipality and reports bad ones by line."""
    login(client, two_towns["staff_a"])
    csv_text = ("external_ref,name,phone,home_lat,home_lon\n"
                "A-2,Carla,0612345673,52.30,5.04\n"
                "A-3,Dirk,not-a-number,52.30,5.04\n"
                "A-4,Eva,0612345674,95,5.04\n"
                "A-1,Anna Updated,0612345671,52.30,5.04\n")
    html = upload(client, csv_text).get_data(as_text=True)
    assert '<strong id="created">1</strong>' in html and '<strong id="updated">1</strong>' in html
    assert '<strong id="rejected">2</strong>' in html
    assert "<td class=\"num\">3</td><td>phones[0]</td>" in html and "<td class=\"num\">4</td><td>home.lat</td>" in html
    with app.extensions["uitkijk"].db.session() as session:
        carla = session.scalar(select(Participant).where(Participant.external_ref == "A-2"))
        assert carla.municipality_id == municipality(session, "0457").id


def test_csv_import_refuses_rows_about_another_municipality(app, client, two_towns):
    """Staff of A cannot import into B nor update B's participants; the report names the lines."""
    login(client, two_towns["staff_a"])
    csv_text = ("external_ref,name,phone,home_lat,home_lon,municipality\n"
                "B-1,Bert Stolen,0612345678,52.30,5.04,\n"
                "A-9,Frank,0612345675,52.30,5.04,0363\n"
                "A-8,Gert,0612345672,52.30,5.04,\n"
                "A-7,Hans,0612345676,52.30,5.04,0457\n")
    html = upload(client, csv_text).get_data(as_text=True)
    assert '<strong id="created">1</strong>' in html and '<strong id="rejected">3</strong>' in html
    for line, field in ((2, "external_ref"), (3, "municipality"), (4, "phones[0]")):
        assert f"<td class=\"num\">{line}</td><td>{field}</td>" in html
    found, numbers, _m = participant(app, two_towns["bert"])
    assert found.name == "Bert Bakker" and numbers == ["+31612345672"]


@pytest.mark.parametrize("separator", ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_csv_import_cannot_take_over_another_municipality_with_line_separators(app, client, two_towns, separator):
    """Characters that str.splitlines() counts as line ends (but CSV does not) cannot shift the scope
    check off the row it is about: B's participant named by reference or number stays B's, unchanged."""
    login(client, two_towns["staff_a"])
    csv_text = ("external_ref,name,phone,home_lat,home_lon\n"
                f"A-5,Carla{separator}Smit,0612345677,52.30,5.04\n"
                f"A-6,\"Dirk{separator}\",0612345678,52.30,5.04\n"
                "B-1,Bert Stolen,0612345679,52.30,5.04\n"
                ",Bert Stolen Again,0612345672,52.30,5.04\n")
    response = upload(client, csv_text)
    assert response.status_code == 200
    found, numbers, municipality_id = participant(app, two_towns["bert"])
    assert (found.name, numbers) == ("Bert Bakker", ["+31612345672"])
    with app.extensions["uitkijk"].db.session() as session:
        assert municipality_id == municipality(session, "0363").id
        event = session.scalar(select(AuditEvent).where(AuditEvent.verb == "import"))
    assert two_towns["bert"] not in event.detail["updated"] + event.detail["created"]
    assert {(r["line"], r["field"]) for r in event.detail["rejected"]} >= {(4, "external_ref"), (5, "phones[0]")}


def test_csv_import_audit_names_the_participants_it_changed(app, client, two_towns):
    """The audit event of an import lists which participants it created and updated, and the refused lines."""
    login(client, two_towns["staff_a"])
    upload(client, "external_ref,name,phone,home_lat,home_lon\n"
                   "A-1,Anna Updated,0612345671,52.30,5.04\n"
                   "A-2,Carla,0612345673,52.30,5.04\n"
                   "A-3,Dirk,0651000219a,52.30,5.04\n")
    with app.extensions["uitkijk"].db.session() as session:
        carla = session.scalar(select(Participant.id).where(Participant.external_ref == "A-2"))
        event = session.scalar(select(AuditEvent).where(AuditEvent.verb == "import"))
    assert event.detail["created"] == [carla] and event.detail["updated"] == [two_towns["anna"]]
    assert event.detail["rejected"] == [{"line": 4, "field": "phones[0]"}]
    assert event.actor == "user:staff@weesp.nl" and event.detail["municipality"] == "0457"


def test_staff_cannot_claim_another_municipalitys_reference_by_editing(app, client, two_towns):
    """Editing A's participant to carry B's external reference is a 400 naming the field, not a 500,
    and the answer does not say where the reference is used."""
    login(client, two_towns["staff_a"])
    response = post(client, f"/participants/{two_towns['anna']}", form("0612345671", external_ref="B-1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "is al in gebruik bij een andere deelnemer" in html
    with app.extensions["uitkijk"].db.session() as session:
        assert session.get(Participant, two_towns["anna"]).external_ref == "A-1"


def test_csv_import_with_missing_columns_is_explained(app, client, two_towns):
    """A file without the required columns is refused as a whole with the missing names."""
    login(client, two_towns["staff_a"])
    response = upload(client, "name,email\nX,x@example.org\n")
    assert response.status_code == 400 and "ontbrekende kolom(men): phone" in response.get_data(as_text=True)


def test_participant_change_without_csrf_is_refused(app, client, two_towns):
    """Deactivating without the CSRF token is refused with 400."""
    login(client, two_towns["staff_a"])
    response = client.post(f"/participants/{two_towns['anna']}/active", data={"active": "0"})
    assert response.status_code == 400
    assert participant(app, two_towns["anna"])[0].active


def test_admin_sees_all_municipalities(app, client, two_towns):
    """An admin sees the participants of every municipality."""
    login(client, make_user(app, "admin"))
    html = client.get("/participants").get_data(as_text=True)
    assert "Anna Aalders" in html and "Bert Bakker" in html


def test_csv_import_page_lists_the_address_columns_it_accepts(app, client, two_towns):
    """Staff can import by postcode or street and house number: the page names those columns, from the
    importer's own lists, and municipality only where staff may choose it."""
    login(client, two_towns["staff_a"])
    page = client.get("/participants/import").get_data(as_text=True)
    for columns in ("home_lat, home_lon", "home_postcode, home_house_number", "home_street, home_house_number, home_city",
                    "home_addition"):
        assert columns in page
    assert "Woonlocatie, een van deze sets kolommen:" in page and ", municipality," not in page

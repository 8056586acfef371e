"""Geocoders behind one interface, on SQLite and PostgreSQL: the address table imported from a BAG
extract, and PDOK's Locatieserver (a local stand-in answering in its documented shape)."""
import json

import pytest
from sqlalchemy import func, select

from core.address_import import import_address_text
from core.address_input import AddressQuery
from core.demo import sample_address_csv
from core.errors import ValidationError
from core.geo import distance_m
from core.geocoding import TableGeocoder
from core.models import Address, AuditEvent, Participant, ParticipantLocation
from core.pdok import PdokGeocoder
from core.rijksdriehoek import rd_to_wgs84
from tests.conftest import app_for
from tests.pdok_fake import FakeLocatieserver

BAG_HEADER = "openbareruimtenaam;huisnummer;huisletter;huisnummertoevoeging;postcode;woonplaatsnaam;gemeentecode;x;y\n"


@pytest.fixture
def db(rt):
    with rt.db.session() as session:
        import_address_text(session, sample_address_csv())
        yield session


def test_sample_import_places_addresses_from_rd(db):
    """The sample extract's RD metres become WGS84 positions; wijk and buurt come along."""
    assert db.scalar(select(func.count()).select_from(Address)) == 810
    damrak = db.scalar(select(Address).where(Address.postcode == "1012LG", Address.house_number == 1))
    line = next(l for l in sample_address_csv().splitlines() if l.startswith("Damrak;1;;;"))
    x, y = (float(v) for v in line.split(";")[7:9])
    assert distance_m(damrak.lat, damrak.lon, *rd_to_wgs84(x, y)) < 0.05
    assert distance_m(damrak.lat, damrak.lon, 52.3788, 4.8980) < 50  # the north end of Damrak, by the station
    assert (damrak.municipality_code, damrak.wijk_code, damrak.buurt_code) == ("GM0363", "WK036300", "BU03630000")


def test_table_geocoder_finds_postcode_and_number_with_letter_and_addition(db):
    """Postcode + number, a house letter, an addition, and a letter typed as an addition all find their door."""
    geocoder = TableGeocoder(db)
    plain = geocoder.locate(AddressQuery(1, postcode="1012LG"), "home")
    assert plain.label == "Damrak 1, 1012LG Amsterdam" and plain.buurt_code == "BU03630000"
    assert geocoder.locate(AddressQuery(3, postcode="1012LG", house_letter="B"), "home").house == "3B"
    assert geocoder.locate(AddressQuery(8, postcode="1012LH", addition="2"), "home").house == "8-2"
    assert geocoder.locate(AddressQuery(3, postcode="1012LG", addition="A"), "home").house == "3A"
    assert geocoder.locate(AddressQuery(8, postcode="1012LH"), "home").house == "8-1"  # no plain 8: the first


def test_table_geocoder_finds_street_and_place_whatever_the_spelling(db):
    """Street and place match without regard to case, accents or punctuation."""
    found = TableGeocoder(db).locate(AddressQuery(12, street="nieuwstraat", city="WEESP"), "home")
    assert found.label.startswith("Nieuwstraat 12, 1381") and found.wijk_code == "WK045700"


@pytest.mark.parametrize("query, field, words", [
    (AddressQuery(1, postcode="9999ZZ"), "home.postcode", "not a postcode we know"),
    (AddressQuery(999, postcode="1012LG"), "home.house_number", "has no house number 999"),
    (AddressQuery(3, postcode="1012LG", house_letter="C"), "home.house_letter", "3A, 3B"),
    (AddressQuery(8, postcode="1012LH", addition="9"), "home.addition", "8-1, 8-2, 8-3"),
    (AddressQuery(1, street="Damrak", city="Atlantis"), "home.city", "not a place we know"),
    (AddressQuery(1, street="Kalverstraat", city="Amsterdam"), "home.street", "no street called Kalverstraat"),
    (AddressQuery(500, street="Damrak", city="Amsterdam"), "home.house_number", "no house number 500"),
])
def test_table_geocoder_says_which_part_is_wrong(db, query, field, words):
    with pytest.raises(ValidationError) as exc:
        TableGeocoder(db).locate(query, "home")
    assert exc.value.field == field and words in exc.value.reason


def test_import_reports_bad_lines_and_updates_on_reimport(db):
    """Bad lines are reported by line and column and skipped; a second extract moves an address in place."""
    text = BAG_HEADER + "".join([
        "Teststraat;1;;;1234AB;Testdorp;0457;131000;480000\n",
        "Teststraat;2;;;1234 XS;Testdorp;0457;131000;480000\n",      # line 3: fine, a space in the postcode
        "Teststraat;3;;;1234SS;Testdorp;0457;131000;480000\n",       # line 4: SS is never a postcode
        "Teststraat;abc;;;1234AB;Testdorp;0457;131000;480000\n",     # line 5: house number
        "Teststraat;5;;;1234AB;Testdorp;0457;52.3;5.04\n",           # line 6: degrees in the RD columns
        "Teststraat;6;;;1234AB;Testdorp\n",                          # line 7: too few columns
        "Teststraat;7;;;1234AB;Testdorp;363x;131000;480000\n",       # line 8: municipality code
    ])
    report = import_address_text(db, text)
    assert report.imported == 2 and report.rejected == 5
    assert [(e["line"], e["field"]) for e in report.errors] == [
        (4, "postcode"), (5, "huisnummer"), (6, "rd.y"), (7, "row"), (8, "gemeentecode")]
    moved = import_address_text(db, BAG_HEADER + "Teststraat;1;;;1234AB;Testdorp;0457;131100;480000\n")
    assert moved.imported == 1
    rows = db.scalars(select(Address).where(Address.postcode == "1234AB")).all()
    assert len(rows) == 1 and distance_m(rows[0].lat, rows[0].lon, *rd_to_wgs84(131_100, 480_000)) < 0.05


def test_import_takes_commas_and_lat_lon_and_refuses_a_file_without_positions(db):
    """Comma-separated with WGS84 columns works; a header without x/y or lat/lon is refused whole."""
    report = import_address_text(db, "straat,huisnummer,toevoeging,postcode,woonplaats,lat,lon\n"
                                     "Grote Markt,1,bis,9711LV,Groningen,53.2187,6.5679\n")
    assert report.imported == 1
    assert db.scalar(select(Address.addition).where(Address.postcode == "9711LV")) == "BIS"
    with pytest.raises(ValidationError) as exc:
        import_address_text(db, "straat,huisnummer,postcode,woonplaats\nA,1,1234AB,B\n")
    assert exc.value.field == "file" and "x and y" in exc.value.reason


def test_pdok_geocoder_reads_the_documented_answer():
    """Postcode + number and street + place both come back from the Locatieserver with their CBS codes."""
    with FakeLocatieserver() as fake:
        geocoder = PdokGeocoder(fake.url, 2.0)
        found = geocoder.locate(AddressQuery(4, postcode="9712JN"), "home")
        assert (found.lat, found.lon) == (53.21909, 6.5683)
        assert (found.label, found.municipality_code, found.wijk_code, found.buurt_code) == (
            "Sint Jansstraat 4, 9712JN Groningen", "GM0014", "WK001400", "BU00140000")
        lettered = geocoder.locate(AddressQuery(2, street="Sint Jansstraat", city="Groningen", house_letter="A"), "w")
        assert lettered.house == "2a" and lettered.postcode == "9712JN"
        bosch = geocoder.locate(AddressQuery(4, street="sint jansstraat", city="'s-Hertogenbosch"), "home")
        assert bosch.postcode == "5211DL"
        assert {"fq": ["type:adres", "postcode:9712JN", "huisnummer:4"]}.items() <= fake.requests[0].items()


def test_pdok_geocoder_refuses_near_matches_and_outages_naming_the_field():
    """A near match is not taken; an outage or a broken answer is a clear 4xx-style refusal, not a crash."""
    with FakeLocatieserver() as fake:
        geocoder = PdokGeocoder(fake.url, 2.0)
        with pytest.raises(ValidationError) as exc:
            geocoder.locate(AddressQuery(4, street="Sint Jansstraat", city="Utrecht"), "home")
        assert exc.value.field == "home.street"
        with pytest.raises(ValidationError) as exc:
            geocoder.locate(AddressQuery(5, postcode="9712JN"), "home")
        assert exc.value.field == "home.house_number"
        for failure in (503, "garbage"):
            fake.fail_with = failure
            with pytest.raises(ValidationError) as exc:
                geocoder.locate(AddressQuery(4, postcode="9712JN"), "home")
            assert exc.value.field == "home" and "cannot be reached" in exc.value.reason


def test_api_participant_by_postcode_is_placed_with_its_buurt(app, client, auth):
    """The API places a participant given postcode and house number; a bad postcode writes nothing."""
    with app.extensions["uitkijk"].db.session() as session:
        import_address_text(session, sample_address_csv())
    created = client.post("/api/participants", json={
        "phones": ["0612345678"], "home": {"postcode": "1381 bb", "house_number": "3", "house_letter": "a"},
        "work": {"address": "Damrak 1, Amsterdam"}}, headers=auth)
    assert created.status_code == 201, created.json
    home, work = created.json["locations"]
    assert home["address"].startswith("Nieuwstraat 3A, 1381") and home["buurt_code"] == "BU04570000"
    assert work["address"] == "Damrak 1, 1012LG Amsterdam" and work["wijk_code"] == "WK036300"
    refused = client.post("/api/participants", json={
        "phones": ["0612345679"], "home": {"postcode": "9999 ZZ", "house_number": 1}}, headers=auth)
    assert refused.status_code == 400 and refused.json["field"] == "home.postcode"
    malformed = client.post("/api/participants", json={
        "phones": ["0612345679"], "home": {"postcode": "1381BB", "house_number": "twelve"}}, headers=auth)
    assert malformed.status_code == 400 and malformed.json["field"] == "home.house_number"
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 1


def test_participants_placed_by_pdok_when_configured(config):
    """With GEOCODER=pdok the same API input is placed by the Locatieserver."""
    with FakeLocatieserver() as fake:
        for app in app_for({**config, "GEOCODER": "pdok", "PDOK_LOCATIESERVER_URL": fake.url}):
            from core.tokens import SCOPES, create_token
            with app.extensions["uitkijk"].db.session() as session:
                token = create_token(session, "pdok-test", SCOPES, "test")
            client = app.test_client()
            created = client.post("/api/participants", json={
                "phones": ["0612345678"], "home": {"postcode": "9712JN", "house_number": 4}},
                headers={"Authorization": f"Bearer {token}"})
            assert created.status_code == 201, created.json
            with app.extensions["uitkijk"].db.session() as session:
                location = session.scalar(select(ParticipantLocation))
                assert (location.lat, location.lon, location.buurt_code) == (53.21909, 6.5683, "BU00140000")


def test_csv_import_places_rows_by_address(app, client, auth):
    """A participants CSV may give postcode and number (or street and place) instead of coordinates."""
    with app.extensions["uitkijk"].db.session() as session:
        import_address_text(session, sample_address_csv())
    text = ("external_ref,phone,home_postcode,home_house_number,home_addition,home_street,home_city\n"
            "a1,0612345601,1012LG,3,B,,\n"
            "a2,0612345602,,12,,Oudegracht,Weesp\n"
            "a3,0612345603,1012LG,1000,,,\n")
    report = client.post("/api/participants/import", data=text.encode(),
                         headers={**auth, "Content-Type": "text/csv"}).json
    assert (report["created"], report["rejected"]) == (2, 1)
    assert (report["errors"][0]["line"], report["errors"][0]["field"]) == (4, "home.house_number")
    with app.extensions["uitkijk"].db.session() as session:
        addresses = sorted(session.scalars(select(ParticipantLocation.address)))
    assert addresses[0].startswith("Damrak 3B, 1012LG") and addresses[1].startswith("Oudegracht 12, 1381")


def test_cli_imports_a_bag_extract(app, tmp_path):
    """`flask addresses import FILE` loads the extract, reports refused lines and exits 1 for them."""
    extract = tmp_path / "bag.csv"
    extract.write_text(sample_address_csv() + "Damrak;x;;;1012LG;Amsterdam;0363;121000;487000;;;;\n",
                       encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["addresses", "import", str(extract)])
    assert result.exit_code == 1
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert report["imported"] == 810 and report["errors"][0]["field"] == "huisnummer"
    with app.extensions["uitkijk"].db.session() as session:
        assert session.scalar(select(AuditEvent.subject_type).where(AuditEvent.verb == "import")) == "address"


def test_api_launch_around_an_address(app, client, auth, work):
    """The API takes "Damrak 1, Amsterdam" (or postcode and number) as the centre; a wrong one is a 400
    naming the part, and launches nothing."""
    from lab import factories
    from core.models import Action, Delivery
    with app.extensions["uitkijk"].db.session() as session:
        import_address_text(session, sample_address_csv())
        damrak = session.scalar(select(Address).where(Address.postcode == "1012LG", Address.house_number == 1))
        room, operators = factories.control_room(session)
        near = factories.participant(session, "+31612345601", distance_m=120, origin=(damrak.lat, damrak.lon)).id
        factories.participant(session, "+31612345602", distance_m=900, origin=(damrak.lat, damrak.lon))
        body = factories.launch_body(room, operators[0], area={"address": "Damrak 1, Amsterdam", "radius_m": 400})
    refused = client.post("/api/actions", json={**body, "area": {"postcode": "1012LG", "house_number": 999,
                                                                 "radius_m": 400}}, headers=auth)
    assert refused.status_code == 400 and refused.json["field"] == "area.house_number"
    bad = client.post("/api/actions", json={**body, "area": {"address": "Damrak", "radius_m": 400}}, headers=auth)
    assert bad.status_code == 400 and bad.json["field"] == "area.address"
    launched = client.post("/api/actions", json=body, headers=auth)
    assert launched.status_code == 201, launched.json
    work()
    with app.extensions["uitkijk"].db.session() as session:
        action = session.scalar(select(Action))
        assert action.area == {"type": "circle", "lat": damrak.lat, "lon": damrak.lon, "radius_m": 400,
                               "address": "Damrak 1, 1012LG Amsterdam"}
        assert set(session.scalars(select(Delivery.participant_id))) == {near}
        assert session.scalar(select(func.count()).select_from(Action)) == 1


def test_neighbourhood_mail_centres_on_an_address_of_the_table(db):
    """An inquiry's centre address is found in the address table even when no participant lives there."""
    from core.inquiries import resolve_address
    lat, lon, label = resolve_address(db, "Herengracht 7, Weesp")
    assert label.startswith("Herengracht 7, 1382") and distance_m(lat, lon, 52.31, 5.04) < 1500
    with pytest.raises(ValidationError) as exc:
        resolve_address(db, "Herengracht 700, Weesp")
    assert exc.value.field == "area.address"


def test_api_moves_an_action_to_an_address(app, client, auth, work):
    """After launch the circle can move to an address; the neighbour there is alerted."""
    from lab import factories
    from core.models import Delivery
    with app.extensions["uitkijk"].db.session() as session:
        import_address_text(session, sample_address_csv())
        herengracht = session.scalar(select(Address).where(Address.street == "Herengracht", Address.house_number == 10))
        room, operators = factories.control_room(session)
        there = factories.participant(session, "+31612345601", distance_m=30,
                                      origin=(herengracht.lat, herengracht.lon)).id
        body = factories.launch_body(room, operators[0], area={"address": "Damrak 1, Amsterdam", "radius_m": 200})
    action = client.post("/api/actions", json=body, headers=auth).json
    moved = client.post(f"/api/actions/{action['id']}/area", headers=auth,
                        json={"area": {"address": "Herengracht 10, Weesp", "radius_m": 200}})
    assert moved.status_code == 200, moved.json
    assert moved.json["area"]["address"].startswith("Herengracht 10, 1382")
    unknown = client.post(f"/api/actions/{action['id']}/area", headers=auth,
                          json={"area": {"address": "Herengracht 10, Atlantis", "radius_m": 200}})
    assert unknown.status_code == 400 and unknown.json["field"] == "area.city"
    work()
    with app.extensions["uitkijk"].db.session() as session:
        assert there in set(session.scalars(select(Delivery.participant_id)))


def test_table_geocoder_reads_abbreviated_street_names(db):
    """'Pr. Hendrikkade' and 'Burg. de Vlugtlaan' find the register's written-out names; 'v.' is 'van'."""
    header = sample_address_csv().splitlines()[0]
    import_address_text(db, header + "\n"
                            "Prins Hendrikkade;1;;;1012JC;Amsterdam;0363;121912.0;488013.0;;;;\n"
                            "Burgemeester de Vlugtlaan;10;;;1063BL;Amsterdam;0363;117500.0;488900.0;;;;\n"
                            "Laan van Meerdervoort;5;;;2517AA;Den Haag;0518;80000.0;455000.0;;;;\n")
    geocoder = TableGeocoder(db)
    for street, city, number, label in (("Pr. Hendrikkade", "Amsterdam", 1, "Prins Hendrikkade 1"),
                                        ("Burg. de Vlugtlaan", "Amsterdam", 10, "Burgemeester de Vlugtlaan 10"),
                                        ("Laan v. Meerdervoort", "Den Haag", 5, "Laan van Meerdervoort 5")):
        assert geocoder.locate(AddressQuery(number, street=street, city=city), "home").label.startswith(label)

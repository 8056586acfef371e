"""The participant register through the API as the web keeps it: searched a page at a time with numbers
masked, changed, (de)activated, self-service links revoked, the personal-data export; bad input refused
with 400 naming the field and nothing written; scopes enforced; every read audited (SQLite and PostgreSQL).

Every API response here is also checked against the OpenAPI document by the suite's test client."""
import json

from sqlalchemy import select

from core.models import AuditEvent, Participant
from lab import factories
from tests.integration.test_api_control_rooms import audit_rows, token
from tests.integration.test_api_input import counts


def register(app, count):
    with app.extensions["uitkijk"].db.session() as s:
        return [factories.participant(s, f"06123456{i:02d}", 100 * i, name=f"Deelnemer {i}").id
                for i in range(count)]


def test_the_register_is_read_a_page_at_a_time_with_numbers_masked(app, client):
    ids = register(app, 5)
    reader = token(app, ["participants:read"])
    seen, url = [], "/api/participants?limit=2"
    while True:
        page = client.get(url, headers=reader)
        assert page.status_code == 200
        seen.append([p["id"] for p in page.json])
        for participant in page.json:
            assert participant["phones"][0]["number"].startswith("+31***")
        assert "0612345" not in page.get_data(as_text=True) and "+3161234560" not in page.get_data(as_text=True)
        if "X-Next-Cursor" not in page.headers:
            break
        assert page.headers["Link"].endswith('>; rel="next"')
        url = f"/api/participants?limit=2&cursor={page.headers['X-Next-Cursor']}"
    assert seen == [ids[0:2], ids[2:4], ids[4:5]]

    assert [p["id"] for p in client.get("/api/participants?q=Deelnemer 3", headers=reader).json] == [ids[3]]
    assert [p["id"] for p in client.get("/api/participants?q=06 12345602", headers=reader).json] == [ids[2]]
    assert client.get("/api/participants?status=inactive", headers=reader).json == []
    listed = [detail for _, verb, _, _, detail in audit_rows(app, subject_type="participant") if verb == "list"]
    assert [d["ids"] for d in listed] == [ids[0:2], ids[2:4], ids[4:5], [ids[3]], [ids[2]]]
    assert "0612345602" not in json.dumps(listed)  # the search itself (a number) is not written down


def test_bad_list_arguments_are_refused_naming_them(app, client):
    register(app, 1)
    reader = token(app, ["participants:read"])
    for query, field in [("status=gone", "status"), ("limit=0", "limit"), ("limit=abc", "limit"),
                         ("limit=501", "limit"), ("cursor=garbage", "cursor"), ("cursor=WyJhIl0", "cursor")]:
        response = client.get(f"/api/participants?{query}", headers=reader)
        assert response.status_code == 400 and response.json["field"] == field, query


def test_a_registration_is_changed_deactivated_and_its_links_revoked(app, client):
    first, second = register(app, 2)
    writer, reader = token(app, ["participants:write"]), token(app, ["participants:read"])
    body = {"name": "Anna de Vries", "phones": ["06 12345699", {"number": "020 1234567", "channel": "voice"}],
            "home": {"lat": 52.31, "lon": 5.04}, "language": "en", "quiet_hours": {"start": "22:00", "end": "07:00"}}
    changed = client.put(f"/api/participants/{first}", json=body, headers=writer)
    assert changed.status_code == 200
    assert [p["number"] for p in changed.json["phones"]] == ["+31612345699", "+31201234567"]
    assert (changed.json["name"], changed.json["language"], changed.json["quiet_hours"]) == \
        ("Anna de Vries", "en", {"start": "22:00", "end": "07:00"})

    off = client.put(f"/api/participants/{first}/active", json={"active": False}, headers=writer)
    assert off.status_code == 200 and off.json["active"] is False
    assert [p["id"] for p in client.get("/api/participants?status=inactive", headers=reader).json] == [first]
    assert client.put(f"/api/participants/{first}/active", json={"active": True},
                      headers=writer).json["active"] is True

    assert client.post(f"/api/participants/{first}/revoke-links", headers=writer).status_code == 204
    with app.extensions["uitkijk"].db.session() as s:
        assert s.get(Participant, first).links_revoked_at is not None
    assert [verb for _, verb, _, subject, _ in audit_rows(app, subject_type="participant")
            if subject == str(first)] == ["update", "deactivate", "activate", "revoke-links"]

    before = counts(app)
    for url, sent, field in [
            (f"/api/participants/{first}", {**body, "nickname": "An"}, "nickname"),
            (f"/api/participants/{first}", {**body, "phones": ["06 123456O1"]}, "phones[0]"),
            (f"/api/participants/{first}", {**body, "phones": ["0612345601"]}, "phones[0]"),  # the second's number
            (f"/api/participants/{first}", {**body, "email": "geen adres"}, "email"),
            (f"/api/participants/{first}", [body], "body"),
            (f"/api/participants/{first}/active", {"active": "no"}, "active"),
            (f"/api/participants/{first}/active", {"active": False, "why": "x"}, "why")]:
        refused = client.put(url, json=sent, headers=writer)
        assert refused.status_code == 400 and refused.json["field"] == field, (url, sent)
    assert counts(app) == before
    assert client.get(f"/api/participants/{first}", headers=reader).json["name"] == "Anna de Vries"
    assert client.get(f"/api/participants/{second}", headers=reader).json["phones"][0]["number"] == "+31612345601"
    assert client.put("/api/participants/999999", json=body, headers=writer).status_code == 404
    assert client.put("/api/participants/999999/active", json={"active": False}, headers=writer).status_code == 404
    assert client.post("/api/participants/999999/revoke-links", headers=writer).status_code == 404


def test_the_personal_data_export_is_the_whole_record_and_audited(app, client):
    pid, = register(app, 1)
    reader = token(app, ["participants:read"])
    data = client.get(f"/api/participants/{pid}/personal-data", headers=reader)
    assert data.status_code == 200
    assert data.json["participant"]["phones"][0]["number"] == "+31612345600"  # in full: it is theirs
    assert ("export-personal-data", str(pid)) in [(verb, subject) for _, verb, _, subject, _ in
                                                   audit_rows(app, subject_type="participant")]
    assert client.get("/api/participants/999999/personal-data", headers=reader).status_code == 404


def test_scopes_are_enforced_on_every_register_operation(app, client):
    pid, = register(app, 1)
    writer, reader, other = (token(app, ["participants:write"]), token(app, ["participants:read"]),
                             token(app, ["actions", "configuration"]))
    reads = [("get", "/api/participants", None), ("get", f"/api/participants/{pid}/personal-data", None)]
    writes = [("put", f"/api/participants/{pid}", {"phones": ["0612345600"], "home": {"lat": 52.3, "lon": 5.0}}),
              ("put", f"/api/participants/{pid}/active", {"active": False}),
              ("post", f"/api/participants/{pid}/revoke-links", None)]
    for method, url, body in reads + writes:
        assert getattr(client, method)(url, json=body, headers=other).status_code == 403, url
    for method, url, body in reads:
        assert getattr(client, method)(url, json=body, headers=writer).status_code == 403, url
    for method, url, body in writes:
        assert getattr(client, method)(url, json=body, headers=reader).status_code == 403, url
    with app.extensions["uitkijk"].db.session() as s:
        assert s.get(Participant, pid).active and s.get(Participant, pid).links_revoked_at is None
        assert s.scalars(select(AuditEvent.verb).where(AuditEvent.subject_type == "participant")).all() == []

"""A phone number with a letter in it is refused with its reason wherever numbers enter: the API, a CSV
import (with its line), the staff form, the public sign-up and the CLI. phonenumbers alone would read
the letters as keypad digits and store a number nobody typed."""
import json

import pytest
from sqlalchemy import func, select

from core.models import Participant, PhoneNumber
from tests.integration.admin_web import csrf_token, login, make_user, municipality, post

LETTERED = ["O651000084", "0651000219a", "065abc0264"]
REASON = "contains letters"
REASON_NL = "bevat letters"  # the same reason on the web's pages and from the commands, which speak Dutch


def stored_numbers(app):
    with app.extensions["uitkijk"].db.session() as s:
        return s.scalar(select(func.count()).select_from(PhoneNumber))


@pytest.mark.parametrize("number", LETTERED)
def test_api_refuses_a_number_with_letters(app, client, auth, number):
    """POST /api/participants answers 400 naming phones[0] and the letters; nothing is stored."""
    response = client.post("/api/participants", json={"phones": [number], "home": {"lat": 52.3, "lon": 5.04}},
                           headers=auth)
    assert response.status_code == 400
    assert response.json["field"] == "phones[0]" and REASON in response.json["reason"]
    assert stored_numbers(app) == 0


def test_csv_import_reports_each_lettered_number_by_line(app, client, auth):
    """Each row with a lettered number is reported with its line and reason; the good row is imported."""
    text = "external_ref,phone,home_lat,home_lon\n" + "".join(
        f"L-{i},{n},52.3,5.04\n" for i, n in enumerate(LETTERED)) + "G-1,0612345678,52.3,5.04\n"
    report = client.post("/api/participants/import", data=text.encode(),
                         headers={**auth, "Content-Type": "text/csv"}).json
    assert report["created"] == 1
    assert [(e["line"], e["field"], REASON in e["reason"]) for e in report["errors"]] == \
        [(2, "phones[0]", True), (3, "phones[0]", True), (4, "phones[0]", True)]
    assert stored_numbers(app) == 1


def test_staff_form_and_signup_refuse_a_number_with_letters(app, client):
    """The staff participant form and the public sign-up show the refusal; nothing is stored."""
    with app.extensions["uitkijk"].db.session() as s:
        municipality(s, "0457", "Weesp")
    signup = client.post("/signup", data={"name": "Sanne", "phone_1": "0651000219a", "home_lat": "52.3",
                                          "home_lon": "5.04", "language": "nl", "consent": "on",
                                          "csrf_token": csrf_token(client, "/signup")})
    assert signup.status_code == 400 and REASON_NL in signup.get_data(as_text=True)
    login(client, make_user(app, "municipality", "staff@weesp.nl", "0457"))
    form = post(client, "/participants/new", {"name": "Piet", "phone_1": "065abc0264", "home_lat": "52.3",
                                              "home_lon": "5.04", "language": "nl"})
    assert form.status_code == 400 and REASON_NL in form.get_data(as_text=True)
    assert stored_numbers(app) == 0


def test_cli_refuses_a_number_with_letters(app, tmp_path):
    """`flask participants add` fails naming the field; `participants import` reports the line."""
    runner = app.test_cli_runner()
    added = runner.invoke(args=["participants", "add", json.dumps(
        {"phones": ["O651000084"], "home": {"lat": 52.3, "lon": 5.04}})])
    assert added.exit_code != 0 and "phones[0]" in added.output and REASON_NL in added.output
    csv_file = tmp_path / "p.csv"
    csv_file.write_text("phone,home_lat,home_lon\n0612345678,52.3,5.0\n0651000219a,52.3,5.0\n")
    imported = runner.invoke(args=["participants", "import", str(csv_file)])
    assert imported.exit_code == 1 and '"line": 3' in imported.output and REASON_NL in imported.output
    with app.extensions["uitkijk"].db.session() as s:
        assert s.scalar(select(func.count()).select_from(Participant)) == 1

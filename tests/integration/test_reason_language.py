"""The core's reasons reach people in their language: the web's pages in Dutch (the field stays its
technical name), the API in the client's Accept-Language or English, CSV rows and whole-file refusals alike."""
import io
import pickle

from core.errors import Reason, ValidationError
from tests.integration.admin_web import login, make_user, post

HEADER = "external_ref,name,phone,home_lat,home_lon\n"
ROWS = "r1,Anna,06123abc78,52.30,5.04\nr2,Bram,0612345679,95,5.04\nr3,Carla,0612345670\n"


def _import(client, auth, text, language=None):
    headers = {**auth, "Content-Type": "text/csv", **({"Accept-Language": language} if language else {})}
    return client.post("/api/participants/import", data=text.encode(), headers=headers)


def test_the_api_answers_in_english_unless_the_client_asks_for_dutch(client, auth):
    english = _import(client, auth, "name\nAnna\n")
    dutch = _import(client, auth, "name\nAnna\n", "nl-NL,nl;q=0.9")
    assert english.status_code == dutch.status_code == 400
    assert english.json == {"error": "validation", "field": "file", "reason": "missing column(s): phone"}
    assert dutch.json == {"error": "validation", "field": "file", "reason": "ontbrekende kolom(men): phone"}


def test_the_api_reports_csv_rows_in_the_asked_language(client, auth):
    english = _import(client, auth, HEADER + ROWS).json["errors"]
    dutch = _import(client, auth, HEADER + ROWS, "nl").json["errors"]
    assert [(e["line"], e["field"]) for e in dutch] == [(e["line"], e["field"]) for e in english] == [
        (2, "phones[0]"), (3, "home.lat"), (4, "row")]
    assert [e["reason"] for e in english] == ["contains letters; a phone number has only digits",
                                              "must be between -90 and 90", "wrong number of columns"]
    assert [e["reason"] for e in dutch] == ["bevat letters; een telefoonnummer bestaat alleen uit cijfers",
                                            "moet tussen -90 en 90 liggen", "verkeerd aantal kolommen"]


def test_the_import_page_shows_each_row_and_the_whole_file_refusal_in_dutch(app, client):
    login(client, make_user(app, "admin"))
    page = post(client, "/participants/import", {"file": (io.BytesIO((HEADER + ROWS).encode()), "people.csv")},
                content_type="multipart/form-data").get_data(as_text=True)
    for reason in ("bevat letters; een telefoonnummer bestaat alleen uit cijfers", "moet tussen -90 en 90 liggen",
                   "verkeerd aantal kolommen"):
        assert reason in page
    assert "wrong number of columns" not in page and "phones[0]" in page  # the field keeps its technical name
    refused = post(client, "/participants/import", {"file": (io.BytesIO(b"name\nAnna\n"), "people.csv")},
                   content_type="multipart/form-data")
    assert refused.status_code == 400 and "file: ontbrekende kolom(men): phone" in refused.get_data(as_text=True)


def test_a_reason_keeps_its_msgid_and_values_through_pickling():
    """Reports travel through job results: the reason must still be renderable in any language."""
    reason = ValidationError("row", "repeats line %(line)s", line=4).reason
    copy = pickle.loads(pickle.dumps(reason))
    assert isinstance(copy, Reason) and copy == "repeats line 4"
    assert (copy.message, copy.params) == ("repeats line %(line)s", {"line": 4})

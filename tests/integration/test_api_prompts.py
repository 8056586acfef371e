"""What callers hear, through the API as an admin keeps it on the web: the prompts per language, a
recording installed in place of the speech (and served as callers hear it), removed again; bad audio
refused naming the recording, nothing installed; room-bound tokens read but cannot change (SQLite and
PostgreSQL). Every API response here is also checked against the OpenAPI document by the suite's test client."""
from tests.integration.test_api_control_rooms import audit_rows, rooms, token  # noqa: F401  (rooms is a fixture)
from tests.integration.test_web_configuration import _wav


def test_a_recording_replaces_the_speech_until_removed(app, client):
    admin = token(app, ["configuration"])
    dutch = client.get("/api/prompts?language=nl", headers=admin).json
    intro, = [p for p in dutch if p["id"] == "alert_intro"]
    assert intro["language"] == "nl" and "Dit is Uitkijk" in intro["text"] and intro["recorded"] is False
    assert {p["language"] for p in client.get("/api/prompts", headers=admin).json} >= {"nl", "en"}

    installed = client.put("/api/prompts/nl/alert_intro/recording", data=_wav(1.0),
                           headers={**admin, "Content-Type": "audio/wav"})
    assert installed.status_code == 200 and installed.json["recorded"] is True
    assert 0.9 < installed.json["duration_s"] < 1.1
    audio = client.get("/api/prompts/nl/alert_intro/audio", headers=admin)
    assert audio.status_code == 200 and audio.data[:4] == b"RIFF"
    assert [p["recorded"] for p in client.get("/api/prompts?language=nl", headers=admin).json
            if p["id"] == "alert_intro"] == [True]

    assert client.delete("/api/prompts/nl/alert_intro/recording", headers=admin).status_code == 204
    assert client.delete("/api/prompts/nl/alert_intro/recording", headers=admin).status_code == 204  # none left
    assert [p["recorded"] for p in client.get("/api/prompts?language=nl", headers=admin).json
            if p["id"] == "alert_intro"] == [False]
    assert [(verb, subject) for _, verb, _, subject, _ in audit_rows(app, subject_type="prompt")] == [
        ("upload-recording", "nl/alert_intro"), ("remove-recording", "nl/alert_intro")]


def test_bad_recordings_and_unknown_prompts_are_refused(app, client):
    admin = token(app, ["configuration"])
    for body in (b"not audio", b""):
        refused = client.put("/api/prompts/nl/alert_intro/recording", data=body,
                             headers={**admin, "Content-Type": "audio/wav"})
        assert refused.status_code == 400 and refused.json["field"] == "recording", body
    assert client.get("/api/prompts?language=fr", headers=admin).json["field"] == "language"
    for method, url in [("put", "/api/prompts/nl/no_such_prompt/recording"),
                        ("put", "/api/prompts/fr/alert_intro/recording"),
                        ("delete", "/api/prompts/nl/no_such_prompt/recording"),
                        ("get", "/api/prompts/xx/alert_intro/audio")]:
        response = getattr(client, method)(url, data=_wav(0.5), headers={**admin, "Content-Type": "audio/wav"})
        assert response.status_code == 404, url
    assert [p for p in client.get("/api/prompts", headers=admin).json if p["recorded"]] == []
    assert audit_rows(app, subject_type="prompt") == []


def test_a_room_token_reads_prompts_but_cannot_change_them(app, client, rooms):
    (north, _), _ = rooms
    bound = token(app, ["configuration"], room_id=north)
    assert client.get("/api/prompts?language=nl", headers=bound).status_code == 200
    for method in ("put", "delete"):
        response = getattr(client, method)("/api/prompts/nl/alert_intro/recording", data=_wav(0.5),
                                           headers={**bound, "Content-Type": "audio/wav"})
        assert response.status_code == 403, method
    assert client.get("/api/prompts", headers=token(app, ["actions"])).status_code == 403
    assert [p for p in client.get("/api/prompts", headers=token(app, ["configuration"])).json if p["recorded"]] == []

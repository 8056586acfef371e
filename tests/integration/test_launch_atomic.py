"""A launch is all or nothing on SQLite and PostgreSQL, and a repeated client request id always gets its action."""
import threading
import time

import pytest
from sqlalchemy import func, select

from core import ledger
from core.actions import ActionService, parse_launch
from core.models import Action, Delivery
from lab import factories


def seed(rt, participants=5):
    with rt.db.session() as s:
        room, operators = factories.control_room(s)
        for n in range(participants):
            factories.participant(s, f"06{12000000 + n}", 50 * n)
        return room, operators[0]


def counts(rt):
    with rt.db.session() as s:
        return (s.scalar(select(func.count()).select_from(Action)),
                s.scalar(select(func.count()).select_from(Delivery)))


def test_launch_that_fails_midway_leaves_nothing_and_its_retry_alerts_everyone(rt, monkeypatch):
    """A launch that crashes after writing its ledger leaves no action behind (no action alerting nobody);
    the retry with the same client request id launches it whole."""
    room, operator = seed(rt)
    body = factories.launch_body(room, operator, client_request_id="NH-2026-0099")
    request = parse_launch(body, 640, 50_000)

    def crash(*args, **kwargs):
        raise RuntimeError("the process died here")
    monkeypatch.setattr("core.actions.audit.record", crash)
    with pytest.raises(RuntimeError), rt.db.session() as s:
        ActionService(rt).launch(s, request, "test")
    assert counts(rt) == (0, 0)

    monkeypatch.undo()
    with rt.db.session() as s:
        action, created = ActionService(rt).launch(s, request, "test")
    assert created
    with rt.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Delivery).where(Delivery.action_id == action.id)) == 5


def test_concurrent_duplicate_launch_answers_with_the_winners_action(app, auth, monkeypatch):
    """Two identical launches at once: the one that loses the race waits for the winner and answers 200 with
    the winner's action (as the OpenAPI document promises), never 409; one action, one set of alerts."""
    rt = app.extensions["uitkijk"]
    room, operator = seed(rt)
    body = factories.launch_body(room, operator, client_request_id="NH-2026-0100")
    winner_writing = threading.Event()
    write_alerts = ledger.write_alerts

    def slow_write(*args, **kwargs):
        if not winner_writing.is_set():
            winner_writing.set()
            time.sleep(1.5)  # the winner holds its transaction open while the loser arrives
        return write_alerts(*args, **kwargs)
    monkeypatch.setattr(ledger, "write_alerts", slow_write)
    answers = {}

    def post(name):
        answers[name] = app.test_client().post("/api/actions", json=body, headers=auth)
    winner = threading.Thread(target=post, args=("winner",))
    winner.start()
    assert winner_writing.wait(10)
    loser = threading.Thread(target=post, args=("loser",))
    loser.start()
    winner.join()
    loser.join()
    assert answers["winner"].status_code == 201, answers["winner"].json
    assert answers["loser"].status_code == 200, answers["loser"].json
    assert answers["loser"].json["id"] == answers["winner"].json["id"]
    assert counts(rt) == (1, 5)

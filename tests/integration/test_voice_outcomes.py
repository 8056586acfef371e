"""The follow page's card of how the calls went, counted by the database (SQLite and PostgreSQL): each
outcome by the state and the last attempt's outcome, the seconds listened and keys of who answered, what
detection said; cancelled calls are left to the progress table."""
from core import follow
from tests.call_endings import calls_ended

# number: (state, detail, amd_status) the ledger is left in after the console reached them all.
ENDINGS = {
    "+31201234501": ("answered", {"listened_s": 24.0, "key": "2"}, "human"),
    "+31201234502": ("answered", {"listened_s": 11.5, "key": "2"}, "key"),
    "+31201234503": ("answered", {"listened_s": 6.0}, None),
    "+31201234504": ("voicemail", {"voicemail": True}, "machine"),
    "+31201234505": ("failed", {"history": [{"outcome": "no answer"}, {"outcome": "busy"}]}, None),
    "+31201234506": ("queued", {"history": [{"outcome": "busy"}, {"outcome": "no answer"}]}, "notsure"),
    "+31201234507": ("failed", {"history": [{"outcome": "not in service"}]}, None),
    "+31201234508": ("sending", {}, None),
    "+31201234509": ("cancelled", {"history": [{"outcome": "busy"}]}, "machine"),
}


def test_the_calls_are_counted_by_how_they_went(app, work):
    rt = app.extensions["uitkijk"]
    action_id, _ = calls_ended(rt, work, ENDINGS)
    with rt.db.session() as session:
        cards = follow.voice_outcomes(session, action_id)
    assert cards == {"alert": {"person": 3, "voicemail": 1, "busy": 1, "no_answer": 1, "failed": 1, "calling": 1,
                               "listened_s": 42, "keys": {"2": 2},
                               "amd": {"human": 1, "key": 1, "machine": 1, "notsure": 1}}}

"""Issue 10: the free number's greeting and menu speak an action's title as the operator typed it,
rendered at launch whatever carries the calls: here the console voice transport, which renders
nothing itself, so the title comes from the renderer the app registers with the core."""
from core.caller_directory import InboundDirectory
from ivr.call_engine import build_flows
from ivr.prompts import PromptFiles
from ivr.settings import FlowSettings
from ivr.steps import Gather, Say, Spoken, Started
from lab import factories
from tts_prompts import PromptStore, get_engine

TITLES = ("Inbraak  aan de Dorpsstraat", "Vermiste jongen (8), rode jas")


def launch(client, auth, room, operator, title):
    response = client.post("/api/actions", json=factories.launch_body(room, operator, 1000, title=title),
                           headers=auth)
    assert response.status_code == 201, response.json
    return response.json


def greeting_files(app, caller):
    """What the free number plays a caller first, as files (the Asterisk side's PromptFiles)."""
    rt = app.extensions["uitkijk"]
    flow = build_flows(InboundDirectory(rt.db), FlowSettings.from_config(app.config))["inbound"]
    _, steps = flow.advance(None, Started(call_ref="launch-audio", caller=caller, dialled=None))
    parts = [part for step in steps if isinstance(step, (Say, Gather)) for part in step.prompt]
    store = PromptStore(app.config["PROMPT_DIR"], get_engine(app.config["TTS_ENGINE"]))
    return store, [p for p in parts if isinstance(p, Spoken)], PromptFiles(store).files(parts, "nl")


def test_the_console_transport_launch_renders_the_title_the_greeting_speaks(app, client, auth, room, work):
    """One action: "you are calling about <title>" plays the title's own rendering, not its code."""
    room, operator = room
    assert app.config["VOICE_TRANSPORT"] == "console"
    launch(client, auth, room, operator, TITLES[0])
    work()

    store, spoken, files = greeting_files(app, "+31612345601")
    assert [p.text for p in spoken] == [TITLES[0]]
    title_file = f"{store.root}/{store.text_key(TITLES[0], app.config['IVR_TITLE_LANGUAGE'])}"
    assert title_file in files
    assert (store.root / f"{store.text_key(TITLES[0], 'nl')}.wav").stat().st_size > 1000
    assert not any("digit_" in f for f in files)  # the code fallback was not needed


def test_the_menu_of_two_speaks_both_titles(app, client, auth, room, work):
    """Alerted by two actions, the caller hears both titles, newest first, each rendered at its launch."""
    room, operator = room
    for title in TITLES:
        launch(client, auth, room, operator, title)
    work()

    store, spoken, files = greeting_files(app, "+31612345601")
    assert [p.text for p in spoken] == list(reversed(TITLES))
    keys = [f"{store.root}/{store.text_key(title, 'nl')}" for title in reversed(TITLES)]
    assert [f for f in files if f in keys] == keys

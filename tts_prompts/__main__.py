"""`python -m tts_prompts render [--dir DIR] [--engine NAME] [--fallback FILE]`: pre-render the prompt
catalogue; with --fallback, also write the dialplan's generic alert fallback (in Dutch) to FILE,
i.e. `<Asterisk sound_dir>/alert-fallback.wav` as this machine sees it."""
import argparse
import sys

from core.config import load_config

from .engines import ENGINES, SpeechEngineError, get_engine
from .store import PromptStore


def main(argv=None) -> int:
    config = load_config()
    parser = argparse.ArgumentParser(prog="python -m tts_prompts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    render = commands.add_parser("render", help="render every fixed prompt in every language")
    render.add_argument("--dir", default=config["PROMPT_DIR"], help="prompt directory (default: PROMPT_DIR)")
    render.add_argument("--engine", default=config["TTS_ENGINE"], choices=sorted(ENGINES),
                        help="speech engine (default: TTS_ENGINE)")
    render.add_argument("--fallback", help="also write the generic alert fallback to this .wav file")
    args = parser.parse_args(argv)

    try:
        store = PromptStore(args.dir, get_engine(args.engine))
        rendered = store.render_catalogue()
        if args.fallback:
            print(f"alert fallback written to {store.export('alert_fallback', 'nl', args.fallback)}")
    except SpeechEngineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    languages = sorted({language for _, language in rendered})
    print(f"{len(rendered)} prompts ({', '.join(languages)}) ready in {store.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m tts_prompts render`: pre-rendering the catalogue from the command line."""
import subprocess
import sys
from pathlib import Path

from tts_prompts.catalogue import LANGUAGES, PROMPTS

REPO_ROOT = Path(__file__).resolve().parents[3]


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "tts_prompts", *args], cwd=REPO_ROOT, capture_output=True, text=True
    )


def test_render_fills_the_directory_with_the_whole_catalogue(tmp_path):
    """The render command writes one .wav per prompt and language and says where."""
    result = run_cli("render", "--dir", str(tmp_path), "--engine", "espeak")
    assert result.returncode == 0, result.stderr
    assert str(tmp_path) in result.stdout
    for language in LANGUAGES:
        assert len(list((tmp_path / language).glob("*.wav"))) == len(PROMPTS)


def test_render_rejects_an_unknown_engine(tmp_path):
    """An engine name that is not registered is refused with a usage error."""
    result = run_cli("render", "--dir", str(tmp_path), "--engine", "festival")
    assert result.returncode == 2
    assert "festival" in result.stderr

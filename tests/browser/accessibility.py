"""axe-core in the page: the WCAG 2.1 A and AA rules run on what the browser shows, no serious or
critical violation allowed. axe-core comes from the npm registry through scripts/axe_core.sh (make
lab-deps), like Prism; a missing install skips locally and fails in CI."""
import os
import subprocess
from pathlib import Path

from tests.conftest import require

ROOT = Path(__file__).resolve().parents[2]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def axe_script():
    """The path of axe.min.js, installed by scripts/axe_core.sh (once per machine)."""
    cache = Path(os.environ.get("UITKIJK_NODE_CACHE", "/var/cache/uitkijk/node"))
    script = cache / "axe" / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        subprocess.run(["bash", str(ROOT / "scripts" / "axe_core.sh"), "install"], check=False,
                       capture_output=True, timeout=300)
    require(script.is_file(), f"axe-core not installed at {script} (bash scripts/axe_core.sh install)")
    return script


def serious_violations(page):
    """The serious and critical WCAG 2.1 AA violations axe-core finds on the page as it is now."""
    # Evaluated through the DevTools protocol: the page's own CSP (no inline scripts) stays as it is.
    page.evaluate(axe_script().read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def assert_accessible(page, what):
    found = serious_violations(page)
    assert not found, f"{what}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in found)

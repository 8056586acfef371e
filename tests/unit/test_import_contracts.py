"""The import contracts in .importlinter hold, and a back door through them fails the build."""
import configparser
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def copy_of_the_code(target: Path) -> Path:
    """The packages the contracts name and the contracts themselves, copied into target."""
    config = configparser.ConfigParser()
    config.read(REPO / ".importlinter")
    for package in config["importlinter"]["root_packages"].split():
        if (REPO / package).is_dir():
            shutil.copytree(REPO / package, target / package,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(REPO / ".importlinter", target / ".importlinter")
    return target


def test_the_code_keeps_every_contract():
    """The repository as it is keeps every import contract."""
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_code_importing_the_lab_breaks_the_build(tmp_path):
    """A core module that imports the lab Asterisk is reported as a broken contract."""
    code = copy_of_the_code(tmp_path)
    with (code / "core" / "demo.py").open("a") as module:
        module.write("\nfrom lab.asterisk import AsteriskLab  # a back door\n")
    result = lint_imports(code)
    assert result.returncode != 0
    assert "core.demo -> lab.asterisk" in result.stdout

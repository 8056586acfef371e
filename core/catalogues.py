"""The gettext catalogues (translations/<lang>/LC_MESSAGES/*.po) for words that leave without a web request:
the e-mails the worker sends, the commands' words. The web reads the same catalogues through Flask-Babel.

The .po files are the source: their .mo files are compiled when missing or older, so a fresh clone runs
without a build step and no binary is committed.
"""
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def compile_catalogues(directory=TRANSLATIONS):
    """Write <lang>/LC_MESSAGES/<domain>.mo from its .po where the .mo is missing or older.
    Written to a temporary file and renamed, so processes starting at once never read half a file."""
    for po_path in sorted(Path(directory).glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as mo_file:
            write_mo(mo_file, catalogue)
        os.replace(tmp, mo_path)


@lru_cache(maxsize=None)
def translations(language, domain=Translations.DEFAULT_DOMAIN):
    """One language's catalogue of `domain` (the msgid itself where it has none), read once per process."""
    compile_catalogues()
    return Translations.load(str(TRANSLATIONS), [language], domain=domain)


def translator(language):
    """gettext in `language`, formatting %(name)s placeholders like Flask-Babel's: _("Hello %(name)s", name=...)."""
    catalogue = translations(language)

    def gettext(message, **values):
        text = catalogue.gettext(message)
        return text % values if values else text
    return gettext

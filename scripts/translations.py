"""`make translations`: collect the web's messages into translations/messages.pot and bring every
language's .po up to date with it: new messages are added untranslated (English gets its own words),
messages no longer used are dropped. Sorted and without line numbers or dates, so branches that add
messages meet in few merge conflicts. Translating is then editing the .po files; the app compiles them."""
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ("nl", "en", "de")  # German: the public pages (web.i18n.PUBLIC_LANGUAGES)
# The core's reasons (core.errors): ValidationError(field, "reason", ...), Conflict("reason", ...), N_("reason").
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "ValidationError": (2,), "Conflict": (1,), "N_": None}


def extracted():
    """The template every catalogue follows: each msgid with where it is used."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    template = Catalog(project="Uitkijk", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def translated(message):
    """Whether a catalogue entry has its words in every form (singular and plurals)."""
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def updated(language, template):
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    if path.exists():
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
    else:
        catalogue = Catalog(locale=language, project="Uitkijk", fuzzy=False)
    catalogue.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalogue.obsolete.clear()
    if language == "en":  # the msgids are English: the English catalogue is complete by construction
        for message in catalogue:
            if message.id and not translated(message):
                message.string = message.id
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=120, sort_output=True, no_location=True, omit_header=True)
    return sum(1 for message in catalogue if message.id and not translated(message))


def main():
    template = extracted()
    with (TRANSLATIONS / "messages.pot").open("wb") as handle:
        write_po(handle, template, width=120, sort_output=True, include_lineno=False, omit_header=True)
    for language in LANGUAGES:
        missing = updated(language, template)
        print(f"{language}: {len(template)} messages, {missing} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())

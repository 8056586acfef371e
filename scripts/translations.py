"""`make translations`: collect the web's messages into translations/messages.pot and bring every
language's .po up to date with it: new messages are added untranslated (English gets its own words),
messages no longer used are dropped. Sorted and without line numbers or dates, so branches that add
messages meet in few merge conflicts. Translating is then editing the .po files; the app compiles them.
click's own words (usage, errors, prompts of the flask commands) are extracted from the installed click into
the `click` domain (click.pot, nl/.../click.po): English is click's own, so only Dutch has a catalogue."""
import copy
import importlib
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from web.cli_texts import CLICK_DOMAIN, CLICK_DYNAMIC_MSGIDS, CLICK_MODULES, flask_msgids  # noqa: E402

TRANSLATIONS = ROOT / "translations"
CLICK_LANGUAGES = ("nl",)  # the commands speak Dutch and English (core.config's CLI_LANGUAGE)
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


def extracted_click():
    """The template of click's catalogue: every msgid click's modules pass to gettext, and the short help of
    Flask's own commands."""
    template = Catalog(project="click", fuzzy=False)
    for name in CLICK_MODULES:
        path = importlib.import_module(f"click.{name}").__file__
        for lineno, message, comments, context in extract_from_file(
                "python", path, keywords={"_": None, "ngettext": (1, 2)}):
            template.add(message, None, [(f"click/{name}.py", lineno)], context=context)
    for message in CLICK_DYNAMIC_MSGIDS + tuple(flask_msgids()):
        template.add(message, None)
    return template


def translated(message):
    """Whether a catalogue entry has its words in every form (singular and plurals)."""
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def updated(language, template, domain="messages"):
    path = TRANSLATIONS / language / "LC_MESSAGES" / f"{domain}.po"
    if path.exists():
        with path.open("rb") as handle:
            catalogue = read_po(handle, locale=language)
    else:
        catalogue = Catalog(locale=language, project="Uitkijk", fuzzy=False)
    # A copy: update() adopts the template's new messages themselves, and English fills them in below, which
    # would hand English to every language updated after it.
    catalogue.update(copy.deepcopy(template), no_fuzzy_matching=True, update_header_comment=False)
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
    click_template = extracted_click()
    with (TRANSLATIONS / f"{CLICK_DOMAIN}.pot").open("wb") as handle:
        write_po(handle, click_template, width=120, sort_output=True, include_lineno=False, omit_header=True)
    for language in CLICK_LANGUAGES:
        missing = updated(language, click_template, CLICK_DOMAIN)
        print(f"{language} (click): {len(click_template)} messages, {missing} untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main())

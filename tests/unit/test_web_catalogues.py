"""The web's words are all in the catalogues: every message the templates and views use is translated
in Dutch and English (with the same placeholders), and no template shows text that bypasses gettext."""
import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]
# Every Jinja page of the web, in whichever package's templates folder it lives (asterisk_conf's are config files).
TEMPLATE_FILES = sorted(ROOT.glob("*/templates/**/*.html"))
LANGUAGES = ("nl", "en")
# Names that are the same in every language: the product, the standards and providers the pages name.
SAME_IN_EVERY_LANGUAGE = {"Uitkijk", "AMBER Alert", "CAP", "SIP", "PJSIP", "Twilio", "Asterisk", "API", "ID",
                          "JSON", "CSV", "AMI", "HTTPS", "URL", "SMS", "IVR", "DTMF", "E.164", "Atom", "OK", "Dashboard",
                          "Nederlands", "English", "Deutsch"}
VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
_LETTERS = re.compile(r"[^\W\d_]{2,}")
_ATTRIBUTES = re.compile(r'[\w-]+="[^"]*"|\b(?:autofocus|required|disabled|checked|selected|hidden)\b')
_PLACEHOLDERS = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{(\w*)\}")


def _extracted():
    spec = importlib.util.spec_from_file_location("translations_tool", ROOT / "scripts" / "translations.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool, tool.extracted()


def _catalogue(language):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_used_is_translated(extracted, language):
    """A msgid in a template or view that the catalogue lacks, leaves empty or marks fuzzy fails here:
    run `make translations` and translate what it added."""
    tool, template = extracted
    catalogue = _catalogue(language)
    missing = [m.id for m in template if m.id and (catalogue.get(m.id) is None or not tool.translated(catalogue.get(m.id))
                                                     or catalogue.get(m.id).fuzzy)]
    assert not missing, f"{language}: untranslated or missing: {missing[:20]}"


@pytest.mark.parametrize("language", LANGUAGES + ("de",))
def test_translations_keep_the_placeholders(language):
    """A translation that drops or renames %(name)s would crash or lose the value at run time."""
    wrong = []
    for message in _catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        expected = sorted(_PLACEHOLDERS.findall(ids[-1]))
        wrong += [message.id for string in strings if string and sorted(_PLACEHOLDERS.findall(string)) != expected]
    assert not wrong, f"{language}: placeholders differ: {wrong[:10]}"


class _VisibleText(HTMLParser):
    """Text and visible attributes outside <script>, <style> and <code> (names of columns, settings and
    formats stay as they are), of a template with Jinja's parts blanked."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value and (name in VISIBLE_ATTRIBUTES or (tag == "input" and name == "value" and
                                                          attributes.get("type") in ("submit", "button")) or
                          (name == "content" and attributes.get("name") == "description")):
                self.found.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.found.append(data)


_GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
_ENV = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
# A string in an expression that reads as words rather than an identifier ('circle', 'ok', 'mail.show'):
# a capitalised word, two words, or a letter outside ASCII ('Regio’s').
_HUMAN = re.compile(r"\b[A-Z][a-z]+\b|[^\W\d_]{2,} +[^\W\d_]{2,}|[^\x00-\x7f\W\d_]")


def _strings(node, printed=False):
    """The string constants of a template's expressions outside a gettext call, as (string, printed):
    printed when the expression outputs the string itself ({{ 'open' if a else 'gesloten' }})."""
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in _GETTEXT:
        return
    if isinstance(node, nodes.Const):
        if isinstance(node.value, str):
            yield node.value, printed
        return
    for field, child in node.iter_fields():
        for kid in child if isinstance(child, list) else [child]:
            if not isinstance(kid, nodes.Node) or isinstance(kid, nodes.TemplateData):
                continue
            passes = (isinstance(node, nodes.Output) or
                      printed and (isinstance(node, (nodes.Concat, nodes.Or, nodes.And)) or
                                   isinstance(node, nodes.CondExpr) and field in ("expr1", "expr2") or
                                   isinstance(node, nodes.Filter) and field == "node"))
            yield from _strings(kid, passes)


def _blank_jinja(source):
    """The template's markup with every {{ }} and {% %} replaced by nothing but the strings a {{ }} prints
    itself: what remains is the literal text, and the parser sees whether such a string lands in the page's
    text or in an attribute (class="{{ 'ok' if a else 'off' }}" is no text)."""
    out, tag = [], None
    for _, kind, value in _ENV.lex(source):
        if kind in ("variable_begin", "block_begin"):
            tag = [] if kind == "variable_begin" else None
        elif kind == "variable_end":
            printed = [text for text, shown in _strings(_ENV.parse("{{" + "".join(tag) + "}}")) if shown]
            out.append(" " + " ".join(printed) + " ")
            tag = None
        elif kind == "block_end":
            out.append(" ")
        elif tag is not None:
            tag.append(value)
        elif kind == "data":
            out.append(value)
    return "".join(out)


def _without_names(text):
    for name in SAME_IN_EVERY_LANGUAGE:
        text = text.replace(name, "")
    return text


def _unwrapped(path):
    source = path.read_text(encoding="utf-8")
    parser = _VisibleText()
    parser.feed(_blank_jinja(source))
    texts = []
    for text in parser.found:
        words = " ".join(_ATTRIBUTES.sub(" ", text).split())  # a macro's output of attributes, not words
        if _LETTERS.search(_without_names(words)):
            texts.append(words)
    # Words a template hands on in an expression, shown elsewhere: a for-loop's labels, a macro's argument.
    texts += [text for text, printed in _strings(_ENV.parse(source))
              if not printed and _HUMAN.search(_without_names(text))]
    return texts


def test_templates_show_no_text_outside_gettext():
    """Visible words in a template must come through _(): a literal English or Dutch sentence fails, in the
    markup or in an expression."""
    found = {str(path.relative_to(ROOT)): _unwrapped(path) for path in TEMPLATE_FILES}
    found = {name: texts for name, texts in found.items() if texts}
    assert not found, "text not wrapped in _(): " + "; ".join(f"{name}: {texts[:3]}" for name, texts in found.items())


def test_the_check_sees_unwrapped_text(tmp_path):
    """The template check itself: a literal label fails it, the same label through _() passes."""
    bare = tmp_path / "bare.html"
    bare.write_text('<label for="x" title="Your name">Name</label> {{ value }}', encoding="utf-8")
    wrapped = tmp_path / "wrapped.html"
    wrapped.write_text('<label for="x" title="{{ _("Your name") }}">{{ _("Name") }}</label> {% if a %}Uitkijk{% endif %}',
                       encoding="utf-8")
    assert _unwrapped(bare) == ["Your name", "Name"]
    assert _unwrapped(wrapped) == []


def test_the_check_sees_words_in_expressions(tmp_path):
    """A string an expression prints into the text, or a label handed to a loop or macro, fails; the same through
    _() passes, and identifiers (a class, a compared value, an endpoint) are no words."""
    bare = tmp_path / "bare.html"
    bare.write_text("<td>{{ 'open' if s == 'open' else 'gesloten' }}</td>"
                    "{% for v, label in [('circle', 'Cirkel op de kaart')] %}{{ label }}{% endfor %}"
                    "<button>{{ '☆ Markeer' }}</button>", encoding="utf-8")
    wrapped = tmp_path / "wrapped.html"
    wrapped.write_text("<td class=\"{{ 'ok' if s == 'open' else 'off' }}\">{{ _('open') if s == 'open' else _('closed') }}</td>"
                       "{% for v, label in [('circle', _('Circle on the map'))] %}{{ label }}{% endfor %}"
                       "<a href=\"{{ url_for('mail.show', inquiry_id=1) }}\">{{ {'nl': 'Nederlands'}.get(x, x) }}</a>",
                       encoding="utf-8")
    assert _unwrapped(bare) == ["open gesloten", "☆ Markeer", "Cirkel op de kaart"]
    assert _unwrapped(wrapped) == []


# The alert channel by phone has one Dutch name everywhere (follow page, impact preview, approval, report,
# participant forms, sign-up): the labels that name it.
VOICE_CHANNEL_LABELS = ("voice", "Voice call", "Voice calls", "Codes by spoken call", "by spoken call",
                        "SMS for a mobile, call for a landline", "Alerts by e-mail too, besides call/SMS")


def test_the_voice_channel_has_one_dutch_name():
    catalogue = _catalogue("nl")
    other = {label: catalogue.get(label).string for label in VOICE_CHANNEL_LABELS
             if "gesproken oproep" not in catalogue.get(label).string.lower()}
    assert not other, f"the voice channel is 'gesproken oproep' in Dutch: {other}"


def test_template_messages_are_whole_sentences(extracted):
    """A msgid glued to the next one (starting with ', ; )' or ending in '(') cannot be reordered by a
    translator: the sentence goes through _() whole, its marked-up values as %(name)s (admin/templates/_markup.html)."""
    _, template = extracted
    pieces = [m.id for m in template if isinstance(m.id, str) and m.id
              and any(path.endswith(".html") for path, _ in m.locations)
              and (m.id[0] in ",;)" or m.id.rstrip().endswith("("))]
    assert not pieces, f"sentence fragments: {pieces[:10]}"


# The pages citizens see without an account (web.i18n.PUBLIC_LANGUAGES): complete in German for the border area.
PUBLIC_TEMPLATES = ("signup/", "public/", "base.html", "participants/_fields.html", "mail/reply.html",
                    "mail/public_message.html")
# The words the mail pages' view gives its templates, and every mail a participant gets.
PUBLIC_SOURCES = ("admin/mail_public.py", "core/mail_texts.py")


def test_the_public_pages_are_complete_in_german(extracted):
    tool, template = extracted
    catalogue = _catalogue("de")
    prefixes = tuple(f"admin/templates/{name}" for name in PUBLIC_TEMPLATES) + PUBLIC_SOURCES
    missing = [m.id for m in template if m.id and any(path.startswith(prefixes) for path, _ in m.locations)
               and (catalogue.get(m.id) is None or not tool.translated(catalogue.get(m.id)))]
    assert not missing, f"de: untranslated on the public pages: {missing[:20]}"


def test_clicks_own_words_are_all_in_dutch(extracted):
    """Every msgid the installed click words its usage, errors and prompts with has a Dutch translation with the
    same placeholders: a click upgrade that adds one fails here until `make translations` and a translator ran."""
    tool, _ = extracted
    with (ROOT / "translations" / "nl" / "LC_MESSAGES" / "click.po").open("rb") as handle:
        catalogue = read_po(handle, locale="nl")
    template = tool.extracted_click()
    missing = [m.id for m in template
               if m.id and (catalogue.get(m.id) is None or not tool.translated(catalogue.get(m.id)))]
    assert not missing, f"click's msgids untranslated: {missing[:20]}"
    placeholders = re.compile(r"%\((\w+)\)s|\{(\w*)(?:![rsa])?\}")  # click's {name!r} too
    wrong = []
    for message in catalogue:
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for source, string in zip(ids, strings):
            if message.id and sorted(placeholders.findall(source)) != sorted(placeholders.findall(string)):
                wrong.append(message.id)
    assert not wrong, f"placeholders differ: {wrong[:10]}"


# German words that are the English ones: the rest of a German msgstr equal to its msgid is an English copy.
GERMAN_AS_IN_ENGLISH = {"(optional)", "Dashboard", "Status", "WhatsApp", "Update: %(subject)s"}


def test_german_holds_no_english_copies():
    """German is offered on the public pages only; a staff text left untranslated falls back to English by itself,
    but an English copy as its msgstr passes for a translation and hides it from a German translator."""
    copies = [m.id for m in _catalogue("de") if m.id and m.string and m.string == m.id
              and m.id not in GERMAN_AS_IN_ENGLISH | SAME_IN_EVERY_LANGUAGE]
    assert not copies, f"de: English copies as translations: {copies[:20]}"

"""The flask commands' help in CLI_LANGUAGE, and click's own words (usage, errors, prompts) too.

Commands are declared once, at import, with English help (the msgids); which app runs them, and so
which language they speak, is known only when click prints the help. So the help is looked up in the
catalogue then. click words its usage lines, errors and prompts through the standard library's global
gettext, which knows neither our catalogues nor CLI_LANGUAGE: `speak_cli_language` points click's modules
at the `click` catalogue (translations/<lang>/LC_MESSAGES/click.po, msgids extracted from the installed
click by `make translations`) in the same language. English is click's own words: it has no catalogue.
"""
import gettext
import importlib
import inspect

import click
import flask.cli
from flask import current_app, has_app_context
from flask.cli import AppGroup, NoAppException, ScriptInfo

from core.catalogues import translations

from .i18n import DEFAULT_LANGUAGE

CLICK_DOMAIN = "click"
# click's modules that word what a user sees through gettext (its Windows console module aside).
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion", "termui", "types",
                 "utils", "_termui_impl")
# click translates a parameter's "required" through a variable, where no extractor sees it.
CLICK_DYNAMIC_MSGIDS = ("required",)
# click builds a command's --help option once and keeps it: its help is worded again each time it is shown.
HELP_OPTION = "Show this message and exit."
# Flask's own commands, which `flask --help` lists among ours; Flask words their short help without gettext.
FLASK_COMMANDS = ("run_command", "shell_command", "routes_command")
_set_up = {}  # the language of the app the CLI was last set up for (see _language)
_flask_short_help = {}  # each of Flask's commands: its own English short help, the msgid


def _app():
    """The app whose command runs: the current one, else the one click's ScriptInfo loaded for `flask`."""
    if has_app_context():
        return current_app
    context = click.get_current_context(silent=True)
    info = context.find_object(ScriptInfo) if context else None
    try:
        return info.load_app() if info else None
    except NoAppException:
        return None


def _language():
    """CLI_LANGUAGE of the app whose command runs. click reports an error after its context has ended: then
    the app the CLI was set up for last, the one this process runs (nothing here is reached before one is)."""
    app = _app()
    if app is not None:
        return app.config.get("CLI_LANGUAGE", DEFAULT_LANGUAGE)
    return _set_up.get("language", DEFAULT_LANGUAGE)


def translate(text):
    """`text` (an msgid of the web's catalogue) in the running app's CLI_LANGUAGE."""
    return translations(_language()).gettext(text)


def click_text(message):
    """One of click's msgids in CLI_LANGUAGE."""
    return translations(_language(), CLICK_DOMAIN).gettext(message)


def click_plural(singular, plural, n):
    return translations(_language(), CLICK_DOMAIN).ngettext(singular, plural, n)


def flask_msgids():
    """The short help of Flask's own commands, in Flask's words (the click catalogue's msgids for them)."""
    return [_flask_short_help.get(command, command.short_help)
            for command in (getattr(flask.cli, name) for name in FLASK_COMMANDS)]


def speak_cli_language(app):
    """Have click word its usage, errors and prompts in `app`'s CLI_LANGUAGE, and the listing show Flask's own
    commands in it (idempotent). The app is being created: its language is known, not yet loadable."""
    language = _set_up["language"] = app.config.get("CLI_LANGUAGE", DEFAULT_LANGUAGE)
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if getattr(module, "_", None) is gettext.gettext:
            module._ = click_text
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = click_plural
    for name in FLASK_COMMANDS:
        command = getattr(flask.cli, name)
        english = _flask_short_help.setdefault(command, command.short_help)
        command.short_help = translations(language, CLICK_DOMAIN).gettext(english)


class _TranslatedHelp:
    """Help text, short help and options' help through the web's catalogue, --help's own through click's."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = click_text(HELP_OPTION)
        return option

    def format_help_text(self, ctx, formatter):
        if self.help:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(inspect.cleandoc(translate(self.help)))

    def get_short_help_str(self, limit=45):
        """The first sentence of the translated help, cut at a word to fit the listing's width."""
        sentence = " ".join(translate(self.help).split()).split(". ")[0] if self.help else ""
        if len(sentence) <= limit:
            return sentence
        return sentence[:limit - 3].rsplit(" ", 1)[0] + "..."

    def format_options(self, ctx, formatter):
        rows = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None and not isinstance(param, click.Argument):
                name, text = record
                rows.append((name, text.replace(param.help, translate(param.help), 1) if param.help else text))
        if rows:
            with formatter.section(click_text("Options")):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class CliCommand(_TranslatedHelp, click.Command):
    """A flask command whose help speaks CLI_LANGUAGE (help=N_("...") marks it for the catalogue)."""


class CliGroup(_TranslatedHelp, AppGroup):
    """A group of flask commands (each run in the app's context) whose help speaks CLI_LANGUAGE."""
    command_class = CliCommand


class CliOption(click.Option):
    """An option whose prompt (prompt=N_("...")) is asked in CLI_LANGUAGE; click would show the msgid."""

    def prompt_for_value(self, ctx):
        msgid = self.prompt
        self.prompt = translate(msgid)
        try:
            return super().prompt_for_value(ctx)
        finally:
            self.prompt = msgid

"""The flask commands' help in CLI_LANGUAGE.

Commands are declared once, at import, with English help (the msgids); which app runs them, and so
which language they speak, is known only when click prints the help. So the help is looked up in the
catalogue then, as are the few of click's own words our commands' help shows.
"""
import inspect
from functools import lru_cache

import click
from babel.support import Translations
from flask import current_app, has_app_context
from flask.cli import AppGroup, NoAppException, ScriptInfo

from core.errors import N_

from .i18n import DEFAULT_LANGUAGE, TRANSLATIONS

USAGE = N_("Usage:")
OPTIONS = N_("Options")
COMMANDS = N_("Commands")
HELP_OPTION = N_("Show this message and exit.")


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


@lru_cache(maxsize=None)
def _catalogue(language):
    return Translations.load(str(TRANSLATIONS), [language])


def translate(text):
    """`text` (an msgid) in the running app's CLI_LANGUAGE; Dutch when no app is known."""
    app = _app()
    language = app.config.get("CLI_LANGUAGE", DEFAULT_LANGUAGE) if app is not None else DEFAULT_LANGUAGE
    return _catalogue(language).gettext(text)


class _TranslatedHelp:
    """Help text, short help, options' help and the section titles through the catalogue."""

    def format_usage(self, ctx, formatter):
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),
                              prefix=translate(USAGE) + " ")

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
            with formatter.section(translate(OPTIONS)):
                formatter.write_dl(rows)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)

    def format_commands(self, ctx, formatter):
        commands = [(name, command) for name in self.list_commands(ctx)
                    if (command := self.get_command(ctx, name)) is not None and not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
            with formatter.section(translate(COMMANDS)):
                formatter.write_dl(rows)


class CliCommand(_TranslatedHelp, click.Command):
    """A flask command whose help speaks CLI_LANGUAGE (help=N_("...") marks it for the catalogue)."""


class CliGroup(_TranslatedHelp, AppGroup):
    """A group of flask commands (each run in the app's context) whose help speaks CLI_LANGUAGE."""
    command_class = CliCommand

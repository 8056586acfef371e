"""The web's languages: Flask-Babel with Dutch first, the catalogues in translations/, the choice remembered.

Staff get the language stored on their account; anyone else the language they picked before (a cookie),
then the browser's Accept-Language, then Dutch. The API (/api/) answers in the client's Accept-Language,
else English: its clients are programs and their developers. Times are shown in Europe/Amsterdam. The catalogues
are compiled from their .po files by core.catalogues.
"""
from decimal import Decimal

from babel.numbers import get_decimal_symbol
from flask import current_app, has_request_context, request
from flask_babel import Babel, get_locale, gettext

from core.catalogues import TRANSLATIONS, compile_catalogues
from core.errors import Conflict, NotFound, Reason, ValidationError

LANGUAGES = ("nl", "en")  # the web's languages; participants' messages also know German (core.messages)
# The public pages (sign-up, self-service, mail replies, the public alert) speak German too, for the border area.
PUBLIC_LANGUAGES = ("nl", "en", "de")
PUBLIC_BLUEPRINTS = frozenset({"signup", "mail_public", "mail_unsubscribe", "public_alerts"})
DEFAULT_LANGUAGE = "nl"
API_LANGUAGE = "en"
TIMEZONE = "Europe/Amsterdam"
COOKIE = "uitkijk_lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Names every language calls itself by, for the switcher (not translated on purpose).
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English", "de": "Deutsch"}

babel = Babel()


def languages_here():
    """The languages this request's page is offered in: the public pages' three, else the web's two."""
    if has_request_context() and request.blueprint in PUBLIC_BLUEPRINTS:
        return PUBLIC_LANGUAGES
    return LANGUAGES


def chosen_language():
    """The language of this request (see the module's docstring); outside a request, the CLI's."""
    if not has_request_context():
        return cli_language()
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES) or API_LANGUAGE
    offered = languages_here()
    account = current_app.extensions["i18n_account_language"]()
    if account in offered:
        return account
    remembered = request.cookies.get(COOKIE)
    if remembered in offered:
        return remembered
    return request.accept_languages.best_match(offered) or DEFAULT_LANGUAGE


def cli_language():
    """Commands speak CLI_LANGUAGE (Dutch unless configured otherwise)."""
    return current_app.config.get("CLI_LANGUAGE", DEFAULT_LANGUAGE)


def reason_text(reason):
    """A reason from the core (core.errors.Reason: msgid and values, which may be reasons) in this request's
    language; any other text as it is."""
    message = getattr(reason, "message", None)
    if message is None:
        return str(reason)
    # A value may be a reason itself (the trunk a check speaks of, the thing it checks): in the same language.
    return gettext(message, **{name: reason_text(value) if isinstance(value, Reason) else value
                              for name, value in reason.params.items()})


def csv_cell(value):
    """A cell of a CSV export in this request's language: a reason's words, a Decimal with the language's
    decimal sign and no grouping (Excel in Dutch reads 0.5 as a date or text and 1.000 as a thousand);
    anything else as it is."""
    if isinstance(value, Reason):
        return reason_text(value)
    if isinstance(value, Decimal):
        return str(value).replace(".", get_decimal_symbol(get_locale()))
    return value


def error_text(exc):
    """An error as a flash or page shows it in this request's language: a ValidationError as 'field: reason',
    a Conflict or NotFound as its reason."""
    if isinstance(exc, ValidationError):
        return f"{exc.field}: {reason_text(exc.reason)}"
    if isinstance(exc, (Conflict, NotFound)):
        return reason_text(exc.reason)
    return str(exc)


def remember(response, language):
    """Keep a visitor's choice in a cookie (staff also get it on their account)."""
    response.set_cookie(COOKIE, language, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def _add_filters(app):
    """Dates, times and numbers as the page's language writes them; moments in Europe/Amsterdam."""
    from babel.dates import format_time as format_time_of_day
    from flask_babel import format_date, format_datetime, format_decimal, format_percent
    app.add_template_filter(lambda value, form="short": format_datetime(value, form), "datetime")
    app.add_template_filter(lambda value, form="medium": format_date(value, form), "date")
    app.add_template_filter(lambda value, form=None: format_decimal(value, form), "number")
    app.add_template_filter(lambda value: format_percent(value), "percent")
    # A time of day from the configuration is already local: no time zone to convert.
    app.add_template_filter(lambda value: format_time_of_day(value, "short", locale=get_locale()), "time_of_day")


def init_app(app, account_language=lambda: None):
    """account_language: the signed-in account's language in this request, or None."""
    compile_catalogues()
    app.extensions["i18n_account_language"] = account_language
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    babel.init_app(app, default_locale=DEFAULT_LANGUAGE, default_timezone=TIMEZONE,
                   locale_selector=chosen_language, timezone_selector=lambda: TIMEZONE)

    _add_filters(app)
    app.add_template_filter(reason_text, "reason")

    @app.context_processor
    def _language_globals():
        return {"languages": languages_here(), "language_names": LANGUAGE_NAMES,
                "current_language": str(get_locale() or DEFAULT_LANGUAGE)}

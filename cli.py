"""Flask CLI commands: the same tasks as the API, for operators at a terminal and for scripts."""
import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import format_date, format_datetime, format_decimal, gettext as _, ngettext
from sqlalchemy import select

from core import approvals, audit, migrate
from core.actions import ActionService, action_as_dict, get_action, parse_launch
from core.address_import import import_address_text, import_addresses
from core.csv_import import import_csv
from core.demo import bulk_insert, ensure_control_room, ensure_templates, generate_people, sample_address_csv
from core.errors import N_, Conflict, NotFound, ValidationError
from core.geocoding import geocoder_for
from core.jobs import sweep
from core.models import Participant
from core.outbox import list_outbox
from core.secrets import SecretUnavailable
from core.participants import Registry, delete_participant, get_participant, participant_as_dict, validate
from core.signup import every_spoken_code
from core.tokens import SCOPES, create_token, list_tokens, revoke_token
from tts_prompts import PromptStore
from web.cli_texts import CliCommand, CliGroup, speak_cli_language
from web.i18n import error_text, reason_text

CLI_ACTOR = "cli"


def _runtime():
    return current_app.extensions["uitkijk"]


def _run(work):
    """Run work(session) in one transaction; domain errors become a clear message and exit code 2."""
    try:
        with _runtime().db.session() as session:
            return work(session)
    except ValidationError as exc:
        raise click.ClickException(error_text(exc)) from None
    except (NotFound, Conflict) as exc:
        raise click.ClickException(error_text(exc)) from None


def _echo_json(data):
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.command("config", cls=CliCommand, help=N_(
    "Print the effective configuration: every key, its value (secrets masked), where it came from."))
@with_appcontext
def config_command():
    config = _runtime().config
    rows = config.describe()
    width = max(len(name) for name, *_ in rows)
    for name, shown, source, description in rows:
        click.echo(f"{name:<{width}}  {shown}  [{source}]")
        click.echo(f"{'':<{width}}    {description}")
    for name in config.unknown:
        click.echo(_("unknown: %(name)s is not a configuration key (ignored)", name=name), err=True)


@click.command("migrate", cls=CliCommand, help=N_("Bring the database to the newest schema."))
@with_appcontext
def migrate_command():
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo(_("database is up to date"))


@click.command("create-token", cls=CliCommand, help=N_(
    "Create an API token for a control-room system; it is shown once."))
@with_appcontext
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True,
              metavar="[" + "|".join(SCOPES) + "]", help=N_("what the token may do (repeat)"))
@click.option("--days", type=int, default=None, help=N_("valid for this many days (default API_TOKEN_DAYS)"))
@click.option("--control-room", "control_room_id", type=int, default=None,
              help=N_("only this control room's actions, operators and trunks (default: every room)"))
@click.option("--municipality", default=None,
              help=N_("the code of the municipality whose system it is: it acts as that municipality's staff"))
def create_token_command(name, scopes, days, control_room_id, municipality):
    days = days if days is not None else current_app.config["API_TOKEN_DAYS"]
    token = _run(lambda s: create_token(s, name, scopes, CLI_ACTOR, days, control_room_id,
                                              municipality=municipality))
    click.echo(token)


@click.command("revoke-token", cls=CliCommand, help=N_("Revoke an API token at once: its next request gets 401."))
@with_appcontext
@click.argument("name")
def revoke_token_command(name):
    _run(lambda s: revoke_token(s, name, CLI_ACTOR))
    click.echo(_("token %(name)s revoked", name=name))


@click.command("list-tokens", cls=CliCommand, help=N_(
    "Every API token: name, scopes, control room, expiry, last use, revoked."))
@with_appcontext
def list_tokens_command():
    def show(session):
        for t in list_tokens(session):
            state = (_("revoked") if t.revoked else _("expires %(date)s", date=format_date(t.expires_at, "short"))
                     if t.expires_at else _("no expiry"))
            used = format_datetime(t.last_used_at, "short") if t.last_used_at else _("never")
            click.echo(f"{t.name}  [{' '.join(t.scopes or []) or _('no scopes')}]  "
                       + _("room %(room)s", room=t.control_room_id or _("all")) + f"  {state}  "
                       + _("last used %(when)s", when=used))
    _run(show)


@click.command("rotate-trunk-secrets", cls=CliCommand, help=N_(
    "Encrypt every trunk and softphone secret again with the first key in TRUNK_SECRET_KEY."))
@with_appcontext
def rotate_trunk_secrets_command():
    from core.configuration import rotate_secrets
    count = _run(lambda s: rotate_secrets(s, current_app.config, CLI_ACTOR))
    click.echo(ngettext("%(num)s secret encrypted with the newest key",
                          "%(num)s secrets encrypted with the newest key", count))


@click.command("load-demo", cls=CliCommand, help=N_(
    "Load demo participants spread like the Dutch population, a control room, operators and message templates."))
@with_appcontext
@click.option("--participants", default=20_000, show_default=True, help=N_("how many demo participants"))
@click.option("--seed", default=1, show_default=True, help=N_("the same seed places the same people"))
def load_demo_command(participants, seed):
    def work(session):
        room = ensure_control_room(session)
        ensure_templates(session)
        addresses = import_address_text(session, sample_address_csv()).imported
        if session.scalar(select(Participant.id).where(Participant.external_ref.like("demo-%")).limit(1)):
            return room, 0, addresses
        return room, bulk_insert(session, generate_people(participants, seed)), addresses
    room, count, addresses = _run(work)
    click.echo(_("control room %(id)s (%(name)s); %(count)s demo participants added; %(addresses)s sample "
                 "addresses in the address table", id=room.id, name=room.name, count=count, addresses=addresses))


addresses_group = CliGroup("addresses", help=N_("The offline address table the geocoder reads (a BAG extract)."))


@addresses_group.command("import", help=N_(
    "Import a BAG address extract (CSV: postcode, huisnummer, huisletter, huisnummertoevoeging, "
    "openbareruimtenaam, woonplaatsnaam, gemeentecode, x/y in RD or lat/lon, wijk- and buurtcode); addresses "
    "already there are updated. Prints a report; exits 1 when lines were refused."))
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def addresses_import(csv_file):
    def progress(lines):
        click.echo(_("  %(lines)s lines read", lines=format_decimal(lines)), err=True)

    def work(session):
        report = import_addresses(session, csv_file, progress)
        audit.record(session, CLI_ACTOR, "import", "address", None,
                     {"imported": report.imported, "rejected": report.rejected})
        return report.as_dict()
    report = _run(work)
    _echo_json(report)
    if report["rejected"]:
        sys.exit(1)


participants_group = CliGroup("participants", help=N_("Register, import, show and remove participants."))


@participants_group.command("add", help=N_("Register a participant from a JSON object (same fields as the API)."))
@click.argument("json_text")
def participants_add(json_text):
    try:
        data = json.loads(json_text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(_("not JSON: %(reason)s", reason=exc)) from None

    def work(session):
        participant = Registry(session).save(validate(data, current_app.config["DEFAULT_REGION"],
                                                      geocoder_for(current_app.config, session)))
        audit.record(session, CLI_ACTOR, "create", "participant", participant.id)
        return participant_as_dict(participant)
    _echo_json(_run(work))


@participants_group.command("import", help=N_("Import a CSV; prints a report of created, updated and rejected rows."))
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--municipality", help=N_("Municipality code for rows without one"))
def participants_import(csv_file, municipality):
    text = csv_file.read()

    def work(session):
        report = import_csv(session, text, current_app.config["DEFAULT_REGION"], municipality,
                            geocoder=geocoder_for(current_app.config, session))
        audit.record(session, CLI_ACTOR, "import", "participant", None, report.audit_detail())
        answer = report.as_dict()
        answer["errors"] = [{**error, "reason": reason_text(error["reason"])} for error in answer["errors"]]
        return answer
    report = _run(work)
    _echo_json(report)
    if report["rejected"]:
        sys.exit(1)


@participants_group.command("show", help=N_("A participant's data as JSON (same fields as the API)."))
@click.argument("participant_id", type=int)
def participants_show(participant_id):
    _echo_json(_run(lambda s: participant_as_dict(get_participant(s, participant_id))))


@participants_group.command("delete", help=N_("Remove a participant's personal data."))
@click.argument("participant_id", type=int)
def participants_delete(participant_id):
    def work(session):
        delete_participant(session, participant_id)
        audit.record(session, CLI_ACTOR, "delete", "participant", participant_id)
    _run(work)
    click.echo(_("participant %(id)s removed", id=participant_id))


actions_group = CliGroup("actions", help=N_("Launch, show and end actions."))


@actions_group.command("launch", help=N_("Launch an action from a JSON object (same fields as the API)."))
@click.argument("json_text")
@click.option("--actor", default=CLI_ACTOR, help=N_("Who launches (for the audit trail)"))
def actions_launch(json_text, actor):
    try:
        data = json.loads(json_text)
    except json.JSONDecodeError as exc:
        raise click.ClickException(_("not JSON: %(reason)s", reason=exc)) from None
    config = current_app.config

    def work(session):
        request = parse_launch(data, config["MAX_MESSAGE_LENGTH"], config["MAX_RADIUS_M"], geocoder_for(config, session))
        # Four eyes hold here too: a launch that needs a second person waits for one in the web or the API.
        outcome = approvals.launch_or_request(_runtime(), session, request, actor)
        if outcome.action is None:
            return {"launched": False, "approval": approvals.approval_as_dict(session, outcome.approval)}
        return action_as_dict(session, outcome.action)
    _echo_json(_run(work))


@actions_group.command("show", help=N_("An action as JSON (same fields as the API)."))
@click.argument("action_id", type=int)
def actions_show(action_id):
    _echo_json(_run(lambda s: action_as_dict(s, get_action(s, action_id))))


@actions_group.command("end", help=N_(
    "End an action: cancel unsent alerts and send the closing message to everyone reached."))
@click.argument("action_id", type=int)
@click.option("--result", required=True, help=N_("how the action ended (a result code, as in the API)"))
@click.option("--text", "closing_text", default=None, help=N_("the closing message everyone reached gets (optional)"))
@click.option("--actor", default=CLI_ACTOR, help=N_("Who ends it (for the audit trail)"))
def actions_end(action_id, result, closing_text, actor):
    def work(session):
        action = ActionService(_runtime()).end(session, action_id, result, closing_text, actor)
        return action_as_dict(session, action)
    _echo_json(_run(work))


@click.command("outbox", cls=CliCommand, help=N_("The newest messages written by the console transports."))
@with_appcontext
@click.option("--limit", default=20, show_default=True, help=N_("how many messages"))
def outbox_command(limit):
    def work(session):
        rows = list_outbox(session, limit=limit, newest_first=True)
        return [f"#{m.id} {m.created_at:%H:%M:%S} {m.transport} to {m.to_address or m.to_e164}: {m.body}"
                for m in reversed(rows)]
    for line in _run(work):
        click.echo(line)


@click.command("sweep", cls=CliCommand, help=N_(
    "Enqueue what the ledger holds but no queue does (after a Redis restart or a worker crash)."))
@with_appcontext
def sweep_command():
    click.echo(_("%(count)s deliveries re-enqueued", count=sweep(_runtime())))


@click.command("asterisk-config", cls=CliCommand, help=N_(
    "Render Asterisk's configuration into TARGET_DIR: AMI, FastAGI, the dialplan, the enabled SIP trunks and "
    "the operators' softphones."))
@with_appcontext
@click.argument("target_dir", type=click.Path(file_okay=False))
@click.option("--fallback-destination", required=True,
              help=N_("Dial string the dialplan puts callers through to when FastAGI cannot run (the control room)"))
def asterisk_config_command(target_dir, fallback_destination):
    from voice.trunks import render_asterisk_config

    def work(session):
        try:
            return render_asterisk_config(session, current_app.config, target_dir, fallback_destination)
        except (ValueError, SecretUnavailable) as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(_("Asterisk configuration written; start Asterisk with -C %(path)s", path=_run(work)))


@click.command("mail-sender", cls=CliCommand, help=N_("Add the name and address neighbourhood mail leaves from."))
@with_appcontext
@click.argument("display_name")
@click.argument("address")
@click.option("--municipality", "municipality_code", default=None,
              help=N_("The municipality whose information mails leave with this name; without: the police's inquiries"))
def mail_sender_command(display_name, address, municipality_code):
    from core.mail_address import check_address
    from core.models import MailSender, Municipality

    def work(session):
        municipality_id = None
        if municipality_code:
            municipality_id = session.scalar(select(Municipality.id).where(Municipality.code == municipality_code))
            if municipality_id is None:
                raise click.ClickException(_("municipality %(code)s: not known", code=municipality_code))
        try:
            sender = MailSender(display_name=display_name.strip()[:120], address=check_address(address),
                                municipality_id=municipality_id)
        except ValidationError as exc:
            raise click.ClickException(error_text(exc)) from None
        session.add(sender)
        audit.record(session, CLI_ACTOR, "mail-sender-added", "mail_sender", None, {"address": sender.address})
        session.flush()
        return sender.id
    click.echo(_("mail sender %(sender)s added", sender=_run(work)))


@click.command("mail-bounces", cls=CliCommand, help=N_(
    "Read the bounce Maildir (MAIL_BOUNCE_MAILDIR): hard bounces stop mail to their address."))
@with_appcontext
def mail_bounces_command():
    from mail.bounces import process_bounce_mailbox
    path = current_app.config["MAIL_BOUNCE_MAILDIR"]
    if not path:
        raise click.ClickException(_("MAIL_BOUNCE_MAILDIR is not set"))
    click.echo(_("%(count)s hard bounces recorded", count=_run(lambda session: process_bounce_mailbox(session, path))))


@click.command("seal-secret", cls=CliCommand, help=N_(
    "Print VALUE sealed with this installation's key, for a setting such as SMTP_PASSWORD."))
@with_appcontext
@click.argument("value")
def seal_secret_command(value):
    from core.secrets import SEALED_PREFIX, cipher
    click.echo(SEALED_PREFIX + cipher(current_app.config).encrypt(value.encode()).decode())


@click.command("purge-code-audio", cls=CliCommand, help=N_(
    "Delete confirmation-code audio that versions before CALL_AUDIO_DIR rendered into PROMPT_DIR under names "
    "anyone could compute (run once after upgrading; it tries all codes, ~30 s)."))
@with_appcontext
def purge_code_audio_command():
    config = current_app.config
    store = PromptStore.from_config(config)
    removed = store.remove_texts(every_spoken_code())
    click.echo(ngettext("%(num)s confirmation-code audio file removed from %(dir)s",
                      "%(num)s confirmation-code audio files removed from %(dir)s", removed, dir=store.root))


def init_app(app):
    speak_cli_language(app)
    for command in (config_command, migrate_command, create_token_command, revoke_token_command,
                    list_tokens_command, load_demo_command, participants_group, addresses_group,
                    actions_group, outbox_command, sweep_command, asterisk_config_command,
                    rotate_trunk_secrets_command, mail_sender_command, mail_bounces_command, seal_secret_command,
                    purge_code_audio_command):
        app.cli.add_command(command)

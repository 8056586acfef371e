"""`flask create-user`: the first admin (and any account) from a terminal."""
import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from core import audit
from core.accounts import create_user
from core.errors import N_, ValidationError
from core.models import ROLES
from core.participants import Registry
from web.cli_texts import CliCommand, CliOption
from web.i18n import error_text

from . import role_names


@click.command("create-user", cls=CliCommand, help=N_("Create a web account."))
@with_appcontext
@click.option("--email", required=True, help=N_("Sign-in address."))
@click.option("--name", required=True, help=N_("Name shown in the web and the audit trail."))
@click.option("--role", type=click.Choice(ROLES), required=True, help=N_("What the account may do."))
@click.option("--municipality", "municipality_code", help=N_("Municipality code (required for municipality staff)."))
@click.option("--operator-id", type=int, help=N_("Operator this account acts as (operators only)."))
@click.option("--supervisor", is_flag=True,
              help=N_("Gets the launches left waiting for approval (operators and admins only)."))
@click.password_option(cls=CliOption, prompt=N_("Password"),
                       help=N_("Asked for when not given; at least 12 characters."))
def create_user_command(email, name, role, municipality_code, operator_id, supervisor, password):
    try:
        with current_app.extensions["uitkijk"].db.session() as session:
            municipality_id = Registry(session).municipality_id(municipality_code or None)
            user = create_user(session, email, name, password, role, municipality_id, operator_id,
                               supervisor=supervisor)
            audit.record(session, "cli", "create", "user", user.id,
                         {"email": user.email, "role": role, "supervisor": user.supervisor})
            # The role in the words of the account form (beheerder, centralist), not its identifier.
            click.echo(_("created %(role)s account %(email)s", role=role_names()[role], email=user.email))
    except ValidationError as exc:
        raise click.ClickException(error_text(exc)) from None

"""`dauth`: the command line for operators.

  dauth bootstrap                                   create or migrate the database, first admin
  dauth serve                                       serve the API on HOST:PORT
  dauth check                                       settings, database, migrations, SMTP, Redis
  dauth users list
  dauth users create --email E --password P [--role R]
  dauth users passwd --email E --password P
  dauth users delete --email E
  dauth roles list
  dauth roles create --name N [--admin]
  dauth mail list                                   messages queued, being sent or failed
  dauth mail retry [--id ID]                        requeue the failed messages (or one)
  dauth mail purge --failed                         delete the failed messages
  dauth schema export [--output FILE]
  dauth import-directus --from <sqlite file | postgres URL>

Settings come from the environment and .env, as for the server. Exit codes: 0 done,
1 the operation was refused (the message says why), 2 bad usage or settings.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from app.cli import commands, listing, mail, startup
from app.cli.check import revision_problem, run_check
from app.config import ConfigError, Settings
from app.errors import DirectusError
from app.settings_loader import read_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dauth",
        description="Operate a Directus-compatible users & auth server.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__,
    )
    commands_ = parser.add_subparsers(dest="command", required=True, metavar="command")
    commands_.add_parser("bootstrap", help="create or migrate the database and the first admin")
    commands_.add_parser("serve", help="serve the API on HOST:PORT with uvicorn")
    commands_.add_parser("check", help="check settings, database, migrations, SMTP and Redis")

    users = commands_.add_parser("users", help="manage users").add_subparsers(
        dest="action", required=True, metavar="action"
    )
    users.add_parser("list", help="list users: id, email, status, role")
    delete = users.add_parser("delete", help="delete a user (its sessions end)")
    delete.add_argument("--email", required=True)
    create = users.add_parser("create", help="create a user")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--role", help="role id or name")
    passwd = users.add_parser("passwd", help="set a user's password")
    passwd.add_argument("--email", required=True)
    passwd.add_argument("--password", required=True)

    roles = commands_.add_parser("roles", help="manage roles").add_subparsers(
        dest="action", required=True, metavar="action"
    )
    roles.add_parser("list", help="list roles: id, name")
    role = roles.add_parser("create", help="create a role")
    role.add_argument("--name", required=True)
    role.add_argument("--admin", action="store_true", help="give the role admin access")

    mail_ = commands_.add_parser("mail", help="the outgoing mail queue").add_subparsers(
        dest="action", required=True, metavar="action"
    )
    mail_.add_parser("list", help="list the messages not sent: queued, sending, failed")
    retry = mail_.add_parser("retry", help="requeue every failed message, or one")
    retry.add_argument("--id", dest="message_id", help="only this message")
    purge = mail_.add_parser("purge", help="delete failed messages (sent ones expire alone)")
    purge.add_argument("--failed", action="store_true", required=True, help="the failed ones")

    schema = commands_.add_parser("schema", help="the GraphQL schema").add_subparsers(
        dest="action", required=True, metavar="action"
    )
    export = schema.add_parser("export", help="print the schema (SDL)")
    export.add_argument("--output", help="write to this file instead of stdout")

    importer = commands_.add_parser(
        "import-directus",
        help="copy roles, policies, users and permissions from a Directus 10, 11 or 12 database",
    )
    importer.add_argument("--from", dest="source", required=True, metavar="SOURCE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "schema":
        return commands.export_schema(args.output)
    try:
        settings, notices = read_settings(secret_notice=args.command in ("serve", "check"))
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if args.command == "check":
        return asyncio.run(run_check(settings, notices))
    startup.warn(notices)
    if not startup.database_ready(settings):
        return 1
    if args.command not in ("bootstrap", "serve"):
        # The operator's commands read tables: on a database never set up, one line, not
        # a traceback of SQL.
        problem = asyncio.run(revision_problem(settings))
        if problem is not None:
            print(problem, file=sys.stderr)
            return 1
    try:
        return _run(args, settings)
    except DirectusError as error:
        print(error.message, file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "bootstrap":
        return asyncio.run(commands.run_bootstrap(settings))
    if args.command == "serve":
        return commands.serve(settings)
    if args.command == "users":
        if args.action == "list":
            return asyncio.run(listing.list_users(settings))
        if args.action == "delete":
            return asyncio.run(listing.delete_user(settings, args.email))
        if args.action == "create":
            return asyncio.run(commands.create_user(settings, args.email, args.password, args.role))
        return asyncio.run(commands.set_password(settings, args.email, args.password))
    if args.command == "roles":
        if args.action == "list":
            return asyncio.run(listing.list_roles(settings))
        return asyncio.run(commands.create_role(settings, args.name, args.admin))
    if args.command == "mail":
        if args.action == "list":
            return asyncio.run(mail.list_mail(settings))
        if args.action == "purge":
            return asyncio.run(mail.purge_failed_mail(settings))
        return asyncio.run(mail.retry_mail(settings, args.message_id))
    return asyncio.run(commands.run_import(settings, args.source))


if __name__ == "__main__":
    raise SystemExit(main())

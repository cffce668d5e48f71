"""``diodo staff create-admin|list|set-password|reset-totp``: staff accounts from the shell.

There are no default passwords: a password is typed twice at a hidden prompt, or read
from standard input with ``--password-stdin`` (for scripts).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from helpdesk import migrate
from helpdesk.db import Database
from helpdesk.settings import Settings
from helpdesk.staff import accounts, audit, passwords, two_factor
from helpdesk.staff.messages import error_text
from helpdesk.staff.passwords import PasswordRuleError
from helpdesk.staff.principal import Role
from helpdesk.texts import text


def register_cli(subparsers: Any) -> None:
    """Add the ``staff`` command to the ``diodo`` argument parser's subparsers."""
    staff = subparsers.add_parser("staff", help="staff accounts (create the first admin)")
    actions = staff.add_subparsers(dest="staff_action", required=True)
    create = actions.add_parser("create-admin", help="create an admin account")
    create.add_argument("--username", required=True)
    create.add_argument("--display-name", default="")
    _password_source(create)
    create.set_defaults(func=_create_admin)
    listing = actions.add_parser("list", help="list staff accounts")
    listing.add_argument("--url", help="database URL (default: DIODO_DATABASE_URL)")
    listing.set_defaults(func=_list)
    reset = actions.add_parser("set-password", help="set a new password for an account")
    reset.add_argument("--username", required=True)
    _password_source(reset)
    reset.set_defaults(func=_set_password)
    totp_reset = actions.add_parser(
        "reset-totp", help="switch two-factor sign-in off for an account (lost phone)"
    )
    totp_reset.add_argument("--username", required=True)
    totp_reset.add_argument("--url", help="database URL (default: DIODO_DATABASE_URL)")
    totp_reset.set_defaults(func=_reset_totp)


def _password_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    parser.add_argument("--url", help="database URL (default: DIODO_DATABASE_URL)")


def _database(args: argparse.Namespace) -> Database:
    settings = Settings()
    try:
        passwords.check_cost(settings.password_hash_cost, settings.env)
    except passwords.CostRefused as exc:
        raise SystemExit(str(exc)) from exc
    passwords.use_cost(settings.password_hash_cost)
    url = args.url or settings.database_url
    if settings.auto_migrate:
        migrate.upgrade(url)
    return Database(url)


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(text("staff_prompt_password"))
    second = getpass.getpass(text("staff_prompt_repeat"))
    if first != second:
        print(text("staff_password_mismatch"), file=sys.stderr)
        return None
    return first


def _create_admin(args: argparse.Namespace) -> int:
    password = _read_password(args)
    if password is None:
        return 1
    db = _database(args)
    try:
        with db.session() as session:
            principal = accounts.create_account(
                session, args.username, password, Role.ADMIN, display_name=args.display_name
            )
            audit.record(
                session,
                None,
                "staff.create",
                "staff_user",
                principal.id,
                {"role": principal.role.value, "via": "cli"},
            )
    except (PasswordRuleError, accounts.AccountError) as error:
        print(error_text(error.code), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(text("staff_admin_created", username=principal.username))
    return 0


def _list(args: argparse.Namespace) -> int:
    db = _database(args)
    try:
        with db.read_session() as session:
            rows = accounts.list_accounts(session)
    finally:
        db.dispose()
    for account in rows:
        state = "aktiv" if account.active else "deaktiviert"
        places = ",".join(str(pid) for pid in sorted(account.place_ids)) or "-"
        print(f"{account.username}\t{account.role.value}\t{state}\tOrte: {places}")
    if not rows:
        print(text("staff_no_accounts"))
    return 0


def _set_password(args: argparse.Namespace) -> int:
    password = _read_password(args)
    if password is None:
        return 1
    db = _database(args)
    try:
        with db.session() as session:
            staff_id = accounts.get_account_id(session, args.username)
            if staff_id is None:
                raise accounts.AccountError("not_found")
            accounts.set_password(session, staff_id, password)
            audit.record(
                session, None, "staff.set_password", "staff_user", staff_id, {"via": "cli"}
            )
    except (PasswordRuleError, accounts.AccountError) as error:
        print(error_text(error.code), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(text("staff_password_changed"))
    return 0


def _reset_totp(args: argparse.Namespace) -> int:
    db = _database(args)
    try:
        with db.session() as session:
            staff_id = accounts.get_account_id(session, args.username)
            if staff_id is None:
                raise accounts.AccountError("not_found")
            two_factor.reset(session, staff_id)
            audit.record(session, None, "staff.totp_reset", "staff_user", staff_id, {"via": "cli"})
    except accounts.AccountError as error:
        print(error_text(error.code), file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(text("staff_totp_reset_done", username=accounts.normalise_username(args.username)))
    return 0

"""``diodo staff``: the first admin comes from the CLI, never from a default password."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from helpdesk.cli.main import main
from helpdesk.db import Database
from helpdesk.staff import accounts
from helpdesk.staff.models import StaffUser
from helpdesk.staff.principal import Role

PASSWORD = "sehr-geheimes-passwort"


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    monkeypatch.setattr("sys.stdin", buffer)
    yield buffer


def _run(database_url: str, *args: str) -> int:
    return main(["staff", *args, "--url", database_url])


def test_create_admin_reads_the_password_from_stdin(
    db: Database, database_url: str, stdin: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin.write(PASSWORD + "\n")
    stdin.seek(0)
    assert _run(database_url, "create-admin", "--username", "Chefin", "--password-stdin") == 0
    assert "Admin-Konto „chefin“ angelegt." in capsys.readouterr().out
    with db.session() as session:
        principal = accounts.authenticate(session, "chefin", PASSWORD)
    assert principal is not None and principal.role is Role.ADMIN
    with db.read_session() as session:
        stored = session.scalar(select(StaffUser.password_hash))
    assert stored and stored.startswith("$argon2id$") and PASSWORD not in stored


def test_create_admin_without_a_password_creates_nothing(
    db: Database, database_url: str, stdin: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(database_url, "create-admin", "--username", "chefin", "--password-stdin") == 1
    assert "zu kurz" in capsys.readouterr().err
    with db.read_session() as session:
        assert session.scalar(select(StaffUser.id)) is None


def test_create_admin_has_no_password_option(database_url: str) -> None:
    with pytest.raises(SystemExit):
        _run(database_url, "create-admin", "--username", "chefin", "--password", PASSWORD)


def test_prompted_passwords_must_match(
    db: Database,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(answers))
    assert _run(database_url, "create-admin", "--username", "chefin") == 1
    assert "verschieden" in capsys.readouterr().err
    with db.read_session() as session:
        assert session.scalar(select(StaffUser.id)) is None


def test_list_and_set_password(
    db: Database, database_url: str, stdin: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    with db.session() as session:
        accounts.create_account(session, "helga", "altes-passwort-1", Role.HELPER)
    assert _run(database_url, "list") == 0
    assert "helga\thelper\taktiv" in capsys.readouterr().out
    stdin.write("neues-passwort-2\n")
    stdin.seek(0)
    assert _run(database_url, "set-password", "--username", "helga", "--password-stdin") == 0
    with db.session() as session:
        assert accounts.authenticate(session, "helga", "altes-passwort-1") is None
        assert accounts.authenticate(session, "helga", "neues-passwort-2") is not None
    stdin.seek(0)
    assert _run(database_url, "set-password", "--username", "niemand", "--password-stdin") == 1

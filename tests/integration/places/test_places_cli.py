"""``diodo places import|export|check`` through ``register_cli`` on a temporary SQLite file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from helpdesk.places.cli import register_cli
from helpdesk.places.service import EXAMPLE_CSV


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="diodo")
    register_cli(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def test_import_export_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _run("places", "import", str(EXAMPLE_CSV), "--url", url) == 0
    assert "neu" in capsys.readouterr().out
    out = tmp_path / "export.csv"
    assert _run("places", "export", str(out), "--url", url) == 0
    assert _run("places", "import", str(out), "--url", url) == 0
    assert "0 neu, 0 geändert, 0 gelöscht" in capsys.readouterr().out


def test_bad_file_is_refused_with_row_and_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    lines = EXAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4].replace(",Brackel,Brackel,", ",Bochum,Brackel,")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _run("places", "check", str(bad)) == 1
    assert _run("places", "import", str(bad), "--url", url) == 1
    err = capsys.readouterr().err
    assert "Zeile 5, Spalte „stadtbezirk“: „Bochum“ ist keiner der 12 Stadtbezirke" in err
    assert _run("places", "export", "--url", url) == 0
    assert "key," in capsys.readouterr().out

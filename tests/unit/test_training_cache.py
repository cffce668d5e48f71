"""The model is retrained only when a training input changes."""

from __future__ import annotations

from pathlib import Path

from helpdesk.cli.train import fingerprint


def _project(root: Path) -> None:
    (root / "bot" / "domain").mkdir(parents=True)
    (root / "bot" / "data" / "nlu").mkdir(parents=True)
    (root / "requirements").mkdir()
    (root / "config.yml").write_text("language: de\n")
    (root / "bot" / "domain" / "core.yml").write_text("intents: [greet]\n")
    (root / "bot" / "data" / "nlu" / "core.yml").write_text("nlu: []\n")
    (root / "requirements" / "bot.lock").write_text("rasa==3.6.21\n")


def test_fingerprint_is_stable_for_unchanged_inputs(tmp_path: Path) -> None:
    _project(tmp_path)
    assert fingerprint(tmp_path) == fingerprint(tmp_path)


def test_fingerprint_ignores_files_that_are_not_training_inputs(tmp_path: Path) -> None:
    _project(tmp_path)
    before = fingerprint(tmp_path)
    (tmp_path / "README.md").write_text("changed")
    (tmp_path / "bot" / "endpoints.yml").write_text("changed")
    assert fingerprint(tmp_path) == before


def test_fingerprint_changes_with_data_domain_config_or_rasa_version(tmp_path: Path) -> None:
    _project(tmp_path)
    seen = {fingerprint(tmp_path)}
    for path, text in [
        ("bot/data/nlu/core.yml", "nlu: [x]\n"),
        ("bot/domain/core.yml", "intents: [greet, goodbye]\n"),
        ("config.yml", "language: en\n"),
        ("requirements/bot.lock", "rasa==3.6.20\n"),
    ]:
        (tmp_path / path).write_text(text)
        seen.add(fingerprint(tmp_path))
    (tmp_path / "bot" / "data" / "nlu" / "new.yml").write_text("nlu: []\n")
    seen.add(fingerprint(tmp_path))
    assert len(seen) == 6

"""`python -m knowledge check|search` on any directory of articles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.checks import check_directory
from knowledge.cli import main
from tests.unit.knowledge.factory import write_article as write_short_article

LONG_ANSWER = "Öffnen Sie die Kamera-App und tippen Sie auf den runden Knopf. " * 4
LONG_EASY = "Öffnen Sie die Kamera. Tippen Sie auf den Knopf. " * 3


def write_article(directory: Path, **kwargs: object) -> Path:
    """An article long enough for the editor checks, unless a test says otherwise."""
    kwargs.setdefault("answer", LONG_ANSWER)
    kwargs.setdefault("easy", LONG_EASY)
    return write_short_article(directory, **kwargs)


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    write_article(tmp_path, article_id="foto-test", title="Ein Foto machen")
    write_article(
        tmp_path,
        article_id="drucken",
        title="Einen Brief drucken",
        questions=[
            "Wie drucke ich?",
            "drucker geht nicht",
            "brief drucken",
            "ausdrucken",
            "drucken in der bibliothek",
        ],
    )
    return tmp_path


def test_check_passes_a_good_directory(directory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--dir", str(directory)]) == 0
    assert "2 articles checked, 0 problems" in capsys.readouterr().out


def test_check_reports_every_problem_at_once(tmp_path: Path) -> None:
    write_article(tmp_path, article_id="eins", related=["fehlt"])
    write_article(tmp_path, article_id="zwei", easy="Zu kurz.")
    write_article(tmp_path, article_id="drei", sms="Emoji 📱")
    articles, problems = check_directory(tmp_path)
    assert len(articles) == 2
    text = "\n".join(problems)
    assert "drei.md: sms is not GSM-7" in text
    assert "eins.md: related id 'fehlt' does not exist" in text
    assert "zwei.md: Leichte Sprache has fewer than" in text


def test_check_finds_a_question_asked_in_two_articles(tmp_path: Path) -> None:
    write_article(tmp_path, article_id="eins")
    write_article(tmp_path, article_id="zwei")  # same factory questions
    _, problems = check_directory(tmp_path)
    assert any(
        "zwei.md: question 'wie mache ich ein foto' is also in eins.md" in p for p in problems
    )


def test_check_exits_with_failure_on_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_article(tmp_path, article_id="eins", related=["fehlt"])
    assert main(["check", "--dir", str(tmp_path)]) == 1
    assert "1 articles checked, 1 problem(s)" in capsys.readouterr().out


def test_search_prints_ranked_articles_as_json(
    directory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["search", "--dir", str(directory), "--mode", "lexical", "--json", "drucker"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["mode"] == "lexical"
    assert result["results"][0]["id"] == "drucken"


def test_search_prints_lines(directory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "--dir", str(directory), "--mode", "lexical", "foto machen"]) == 0
    assert "foto-test" in capsys.readouterr().out.splitlines()[0]

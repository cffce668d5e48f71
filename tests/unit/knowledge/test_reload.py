"""reload_if_changed: edits to the article directory take effect without a restart."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from knowledge import Article, KnowledgeBase, load_directory
from tests.unit.knowledge.factory import write_article


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    write_article(tmp_path, article_id="foto-test", title="Ein Foto machen")
    return tmp_path


def test_unchanged_directory_is_not_reloaded(directory: Path) -> None:
    kb = KnowledgeBase.from_directory(directory)
    articles = kb.articles
    assert kb.reload_if_changed() is False
    assert kb.reload_if_changed() is False
    assert kb.generation == 0
    assert kb.articles is articles


def test_added_article_is_found_after_reload(directory: Path) -> None:
    kb = KnowledgeBase.from_directory(directory)
    assert kb.search("drucker") == []
    write_article(directory, article_id="drucken", title="Einen Brief drucken am Drucker")
    assert kb.reload_if_changed() is True
    assert kb.generation == 1
    assert kb.search("drucker")[0].article.id == "drucken"
    assert kb.reload_if_changed() is False


def test_changed_article_is_reread(directory: Path) -> None:
    kb = KnowledgeBase.from_directory(directory)
    write_article(directory, article_id="foto-test", title="Ein Foto mit der Kamera-App machen")
    assert kb.reload_if_changed() is True
    article = kb.get("foto-test")
    assert article is not None and article.title == "Ein Foto mit der Kamera-App machen"


def test_removed_article_is_gone_after_reload(directory: Path) -> None:
    write_article(directory, article_id="drucken", title="Einen Brief drucken am Drucker")
    kb = KnowledgeBase.from_directory(directory)
    (directory / "drucken.md").unlink()
    assert kb.reload_if_changed() is True
    assert kb.get("drucken") is None
    assert kb.search("drucker") == []


def test_files_other_than_articles_are_ignored(directory: Path) -> None:
    kb = KnowledgeBase.from_directory(directory)
    (directory / "notizen.txt").write_text("kein Artikel", encoding="utf-8")
    (directory / ".foto-test.md.swp").write_text("Editor-Datei", encoding="utf-8")
    (directory / ".entwurf.md").write_text("halb fertig", encoding="utf-8")
    assert kb.reload_if_changed() is False
    assert [a.id for a in KnowledgeBase.from_directory(directory).articles] == ["foto-test"]


def test_broken_article_keeps_the_old_articles_until_fixed(
    directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = KnowledgeBase.from_directory(directory)
    loads: list[Path] = []

    def counting_load(path: Path) -> list[Article]:
        loads.append(path)
        return load_directory(path)

    monkeypatch.setattr("knowledge.search.load_directory", counting_load)
    write_article(directory, article_id="drucken", drop=("sms",))

    assert kb.reload_if_changed() is False
    assert kb.get("foto-test") is not None and kb.get("drucken") is None
    assert kb.last_error is not None and "drucken.md: missing field(s): sms" in str(kb.last_error)
    assert kb.reload_if_changed() is False
    assert len(loads) == 1  # the same broken files are not parsed on every request

    write_article(directory, article_id="drucken", title="Einen Brief drucken")
    assert kb.reload_if_changed() is True
    assert kb.last_error is None
    assert kb.get("drucken") is not None


def test_missing_directory_keeps_the_old_articles(tmp_path: Path) -> None:
    directory = tmp_path / "articles"
    directory.mkdir()
    write_article(directory)
    kb = KnowledgeBase.from_directory(directory)
    for file in directory.iterdir():
        file.unlink()
    directory.rmdir()
    assert kb.reload_if_changed() is False
    assert kb.get("foto-test") is not None


def test_searches_in_other_threads_see_a_whole_index_during_reloads(directory: Path) -> None:
    kb = KnowledgeBase.from_directory(directory)
    errors: list[BaseException] = []
    stop = threading.Event()

    def search_forever() -> None:
        while not stop.is_set():
            try:
                hits = kb.search("foto machen")
                assert hits and hits[0].article.id == "foto-test"
            except BaseException as exc:  # reported below, in the test thread
                errors.append(exc)
                return

    threads = [threading.Thread(target=search_forever) for _ in range(2)]
    for thread in threads:
        thread.start()
    for round_ in range(5):
        write_article(directory, article_id=f"extra-{round_}", title=f"Extra {round_}")
        kb.reload_if_changed()
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert kb.get("extra-4") is not None

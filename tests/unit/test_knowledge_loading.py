"""The app's article index: built once per process and directory, and a later app in the
same process still sees articles changed in between."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from helpdesk.main import load_knowledge
from helpdesk.settings import Settings
from tests.unit.knowledge.factory import write_article


def _settings(directory: Path, cache: Path) -> Settings:
    return Settings(
        internal_api_token=SecretStr("internal-test-token"),
        pseudonym_key=SecretStr("pseudonym-test-key"),
        knowledge_dir=directory,
        knowledge_cache_dir=cache,
        knowledge_semantic=False,
    )


def test_a_second_app_reuses_the_index_and_sees_a_changed_article(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    write_article(articles, article_id="foto-test", title="Ein Foto machen")
    settings = _settings(articles, tmp_path / "cache")
    first = load_knowledge(settings)
    assert [article.id for article in first.articles] == ["foto-test"]
    write_article(articles, article_id="wlan-test", title="Das WLAN einrichten")
    second = load_knowledge(settings)
    assert second is first
    assert sorted(article.id for article in second.articles) == ["foto-test", "wlan-test"]


def test_another_directory_gets_its_own_index(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for directory, article_id in ((one, "foto-test"), (two, "wlan-test")):
        directory.mkdir()
        write_article(directory, article_id=article_id)
    first = load_knowledge(_settings(one, tmp_path / "cache"))
    second = load_knowledge(_settings(two, tmp_path / "cache"))
    assert second is not first
    assert [article.id for article in second.articles] == ["wlan-test"]

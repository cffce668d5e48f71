"""The held-out evaluation sets stay held out: no sentence of theirs is a training
example, a story or rule turn, or an article question (issue 12: evaluate on what you
did not tune on)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from knowledge.normalize import fold

ROOT = Path(__file__).resolve().parents[2]
HELD_OUT = {
    "dialogues": ROOT / "tests" / "heldout" / "dialogues.yml",
    "knowledge": ROOT / "bench" / "data" / "knowledge_heldout_2.yml",
    "knowledge_3": ROOT / "bench" / "data" / "knowledge_heldout_3.yml",
}


def _key(text: str) -> str:
    return re.sub(r"[^\w]+", " ", fold(text)).strip()


def _held_out_sentences() -> set[str]:
    sentences: set[str] = set()
    path = HELD_OUT["dialogues"]
    for dialogue in yaml.safe_load(path.read_text(encoding="utf-8"))["dialogues"]:
        sentences.update(_key(str(turn["say"])) for turn in dialogue["turns"])
    for name in ("knowledge", "knowledge_3"):
        path = HELD_OUT[name]
        for question in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            sentences.add(_key(str(question["q"])))
    # Short control words ("ja", "hörde", "mensch") are the same everywhere.
    return {s for s in sentences if len(s.split()) >= 3}


def _training_sentences() -> set[str]:
    sentences: set[str] = set()
    for path in sorted((ROOT / "bot" / "data").rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            for line in str(item.get("examples") or "").splitlines():
                example = re.sub(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}", r"\1\2", line)
                sentences.add(_key(example.lstrip("- ")))
        for story in (data.get("stories") or []) + (data.get("rules") or []):
            for step in story.get("steps") or []:
                if "user" in step:
                    sentences.add(_key(str(step["user"])))
    for path in sorted((ROOT / "knowledge" / "articles").glob("*.md")):
        front = path.read_text(encoding="utf-8").split("---")[1]
        sentences.update(_key(str(q)) for q in yaml.safe_load(front).get("questions") or [])
    sentences.update(_key(line) for line in _nlu_test_lines())
    scope = yaml.safe_load(
        (ROOT / "knowledge" / "articles" / "out_of_scope.yml").read_text(encoding="utf-8")
    )
    for questions in scope["topics"].values():
        sentences.update(_key(q) for q in questions)
    return sentences


def _nlu_test_lines() -> list[str]:
    """The older held-out NLU set counts as tuned on: it chose today's constants."""
    text = (ROOT / "tests" / "bot" / "test_nlu.yml").read_text(encoding="utf-8")
    return [line.strip().lstrip("- ") for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("name", sorted(HELD_OUT))
def test_held_out_sets_exist(name: str) -> None:
    assert HELD_OUT[name].is_file()


def test_no_held_out_sentence_was_trained_on() -> None:
    leaked = sorted(_held_out_sentences() & _training_sentences())
    assert leaked == [], f"held-out sentences in training data or articles: {leaked[:10]}"

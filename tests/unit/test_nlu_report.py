"""tools/nlu_report.py turns Rasa's intent reports into the Markdown of docs/nlu-report.md."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("nlu_report", ROOT / "tools" / "nlu_report.py")
assert _spec is not None and _spec.loader is not None
nlu_report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nlu_report)


def _intent(p: float, r: float, support: int, confused: dict[str, int]) -> dict[str, object]:
    f1 = 2 * p * r / (p + r)
    return {
        "precision": p,
        "recall": r,
        "f1-score": f1,
        "support": support,
        "confused_with": confused,
    }


REPORT = {
    "greet": _intent(1.0, 0.9, 30, {"thanks": 3}),
    "thanks": _intent(0.91, 1.0, 30, {}),
    "find_place": _intent(0.95, 0.95, 40, {"ask_howto": 2}),
    "ask_howto": _intent(0.95, 0.95, 40, {"find_place": 1, "greet": 1}),
    "accuracy": 0.95,
    "weighted avg": {"precision": 0.95, "recall": 0.95, "f1-score": 0.951, "support": 140},
    "macro avg": {"precision": 0.95, "recall": 0.95, "f1-score": 0.95, "support": 140},
}


def test_report_lists_every_intent_and_the_confusions(tmp_path: Path) -> None:
    cross, held = tmp_path / "cv", tmp_path / "held"
    cross.mkdir()
    held.mkdir()
    (cross / "intent_report.json").write_text(json.dumps(REPORT), encoding="utf-8")
    out = tmp_path / "report.md"
    assert nlu_report.main([str(cross), str(held), str(out), "5"]) == 0
    text = out.read_text(encoding="utf-8")
    assert "## Cross-validation over the training data (5 folds)" in text
    assert "| greet | 1.00 | 0.90 | 0.95 | 30 |" in text
    assert "| **weighted average** | 0.950 | 0.950 | **0.951** | 140 |" in text
    assert "accuracy |" not in text and "macro avg |" not in text
    # The sparse matrix: rows are intents with a confusion, columns what they became.
    assert "| example ↓ / taken for → | ask_howto | find_place | greet | thanks |" in text
    assert "| greet |  |  |  | 3 |" in text
    assert "- greet → thanks: 3" in text.split("Most frequent:")[1].splitlines()[2]
    assert "Held-out test set" not in text  # no held-out report given


def test_held_out_section_when_its_report_exists(tmp_path: Path) -> None:
    for name in ("cv", "held"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "intent_report.json").write_text(json.dumps(REPORT), "utf-8")
    out = tmp_path / "report.md"
    nlu_report.main([str(tmp_path / "cv"), str(tmp_path / "held"), str(out)])
    assert "## Held-out test set" in out.read_text(encoding="utf-8")


def test_every_error_counts_when_rasa_lists_them(tmp_path: Path) -> None:
    (tmp_path / "cv").mkdir()
    (tmp_path / "cv" / "intent_report.json").write_text(json.dumps(REPORT), "utf-8")
    errors = [
        {"intent": "greet", "intent_prediction": {"name": "thanks"}},
        {"intent": "greet", "intent_prediction": {"name": "nlu_fallback"}},
        {"intent": "greet", "intent_prediction": {"name": "nlu_fallback"}},
    ]
    (tmp_path / "cv" / "intent_errors.json").write_text(json.dumps(errors), "utf-8")
    out = tmp_path / "report.md"
    nlu_report.main([str(tmp_path / "cv"), str(tmp_path / "none"), str(out)])
    text = out.read_text(encoding="utf-8")
    # From the errors, not from the report's confused_with (greet: thanks 3 there).
    assert "| example ↓ / taken for → | nlu_fallback | thanks |" in text
    assert "| greet | 2 | 1 |" in text

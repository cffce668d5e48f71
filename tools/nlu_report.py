"""Write Rasa's NLU cross-validation report and intent confusion matrix as Markdown.

On demand, not in `make test` (five trainings take about 10 minutes on two cores):

    make nlu-report        # runs rasa test nlu --cross-validation, then this script

Reads the ``intent_report.json`` files Rasa wrote and writes ``docs/nlu-report.md``:
per intent precision, recall, F1 and support for the cross-validation over the training
data and for the held-out test set (tests/bot/test_nlu.yml), and the confusions (which
intent was taken for which, how often) as a sparse matrix.

Usage: python tools/nlu_report.py CROSS_VALIDATION_DIR HELD_OUT_DIR OUT.md [FOLDS]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_AVERAGES = ("accuracy", "micro avg", "macro avg", "weighted avg")


def _intents(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {
        name: value
        for name, value in report.items()
        if name not in _AVERAGES and isinstance(value, dict) and "support" in value
    }


def _table(report: dict[str, object]) -> list[str]:
    lines = ["| intent | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for name, value in sorted(_intents(report).items(), key=lambda item: item[0]):
        lines.append(
            f"| {name} | {value['precision']:.2f} | {value['recall']:.2f} | "
            f"{value['f1-score']:.2f} | {value['support']} |"
        )
    weighted = report.get("weighted avg")
    if isinstance(weighted, dict):
        lines.append(
            f"| **weighted average** | {weighted['precision']:.3f} | {weighted['recall']:.3f} | "
            f"**{weighted['f1-score']:.3f}** | {weighted['support']} |"
        )
    return lines


def _pairs(
    report: dict[str, object], errors: list[dict[str, Any]] | None
) -> list[tuple[int, str, str]]:
    """(count, true intent, predicted intent) for every confusion. From Rasa's
    ``intent_errors.json`` (every misclassified example) when there is one; the report's
    ``confused_with`` names only the two most frequent per intent."""
    if errors is not None:
        counted = Counter(
            (str(e["intent"]), str((e.get("intent_prediction") or {}).get("name"))) for e in errors
        )
        return [(count, name, other) for (name, other), count in counted.items()]
    return [
        (int(count), name, str(other))
        for name, value in _intents(report).items()
        for other, count in dict(value.get("confused_with") or {}).items()  # type: ignore[call-overload]
    ]


def _confusions(report: dict[str, object], errors: list[dict[str, Any]] | None = None) -> list[str]:
    pairs = _pairs(report, errors)
    if not pairs:
        return ["No confusions."]
    lines = [
        "Rows: the intent an example has; columns: what the NLU took it for (only intents",
        "with a confusion; empty cells are 0). `nlu_fallback`: below the FallbackClassifier",
        "threshold (0.45); the bot sends such a message to the knowledge search.",
        "",
    ]
    rows = sorted({name for _, name, _ in pairs})
    columns = sorted({other for _, _, other in pairs})
    counts = {(name, other): count for count, name, other in pairs}
    lines.append("| example ↓ / taken for → | " + " | ".join(columns) + " |")
    lines.append("|---" * (len(columns) + 1) + "|")
    for name in rows:
        cells = [str(counts.get((name, other), "")) for other in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Most frequent:", ""]
    for count, name, other in sorted(pairs, reverse=True)[:10]:
        lines.append(f"- {name} → {other}: {count}")
    return lines


def render(
    cross: dict[str, object],
    held_out: dict[str, object] | None,
    folds: int,
    cross_errors: list[dict[str, Any]] | None = None,
    held_errors: list[dict[str, Any]] | None = None,
) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# NLU report",
        "",
        f"Generated {now} by `make nlu-report` (`tools/nlu_report.py`); not part of",
        "`make test`. Re-generate it after changing the NLU data or `config.yml`.",
        "",
        f"## Cross-validation over the training data ({folds} folds)",
        "",
        "Every training example is predicted once by a model trained on the other folds.",
        "",
        *_table(cross),
        "",
        "### Intent confusions (cross-validation)",
        "",
        *_confusions(cross, cross_errors),
    ]
    if held_out is not None:
        lines += [
            "",
            "## Held-out test set (`tests/bot/test_nlu.yml`, the trained model)",
            "",
            *_table(held_out),
            "",
            "### Intent confusions (held-out)",
            "",
            *_confusions(held_out, held_errors),
        ]
    return "\n".join(lines) + "\n"


def _errors(directory: Path) -> list[dict[str, Any]] | None:
    path = directory / "intent_errors.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data) if isinstance(data, list) else None


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cross_dir, held_dir, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    folds = int(argv[3]) if len(argv) > 3 else 5
    cross = json.loads((cross_dir / "intent_report.json").read_text(encoding="utf-8"))
    held_path = held_dir / "intent_report.json"
    held = json.loads(held_path.read_text(encoding="utf-8")) if held_path.exists() else None
    text = render(cross, held, folds, _errors(cross_dir), _errors(held_dir))
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Fail when the held-out NLU evaluation drops below the agreed quality bar.

Usage: python tools/check_nlu_report.py var/rasa-results/intent_report.json [min_f1]
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    path = sys.argv[1]
    minimum = float(sys.argv[2]) if len(sys.argv) > 2 else 0.85
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    weighted = report["weighted avg"]["f1-score"]
    print(f"held-out NLU: accuracy {report['accuracy']:.3f}, weighted F1 {weighted:.3f}")
    weak = {k: v["f1-score"] for k, v in report.items()
            if isinstance(v, dict) and "support" in v and k not in
            ("micro avg", "macro avg", "weighted avg") and v["f1-score"] < 0.75}
    for intent, score in sorted(weak.items()):
        print(f"  weak intent: {intent} F1 {score:.2f}")
    if weighted < minimum:
        print(f"weighted F1 {weighted:.3f} is below {minimum}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Cross-validation on the corpus' train split only: which training posts the language
identifier and the classifier get wrong when they are left out of training, and why (the cues
found). The held-out splits are not read, so this is where the method is inspected and fixed.

    PYTHONPATH=src .venv/bin/python bench/triage_cv.py [--folds 4] [--group sr-Cyrl]
"""

from __future__ import annotations

import argparse
from collections import Counter
from unittest import mock

from armsbridge.monitoring import language
from armsbridge.monitoring.classify import TriageClassifier
from armsbridge.monitoring.corpus import group_of, load_corpus


def main() -> None:
    """Print the left-out failures of each fold and the accuracy per group."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--group", default=None)
    args = parser.parse_args()
    rows = load_corpus("train")
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for fold in range(args.folds):
        fit = [r for i, r in enumerate(rows) if i % args.folds != fold]
        left = [r for i, r in enumerate(rows) if i % args.folds == fold]
        with mock.patch.object(language, "load_corpus", lambda split, fit=fit: fit):
            model = language._Model()
        classifier = TriageClassifier(fit)
        with mock.patch.object(language, "_get_model", lambda model=model: model):
            for row in left:
                group = group_of(row)
                guess = language.identify(row["text"])
                label = classifier.classify(row["text"]).label
                lang_ok = guess.language == row["language"]
                total[group] += 1
                right[group] += lang_ok
                if args.group and group != args.group:
                    continue
                if not lang_ok or label != row["label"]:
                    best = max(guess.scores.values()) if guess.scores else 0
                    print(
                        f"{row['id']:12} lang {row['language']}->{guess.language} ({best:.2f}) "
                        f"label {row['label']}->{label} | {row['text']} | {guess.cues}"
                    )
    for group in sorted(total):
        print(f"{group:8} {right[group] / total[group]:.2f} of {total[group]}")


if __name__ == "__main__":
    main()

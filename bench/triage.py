"""Triage benchmark: language/script accuracy, offer-or-wanted F1 and extraction precision/recall
on the corpus' held-out split, per language and script, next to a stock language identifier
(py3langid, its bundled model, restricted to the six languages) and a plain TF-IDF + logistic
regression classifier trained on the same train split, in the same run. Then the same figures on
bench/data/unseen.jsonl, a smaller set written after the models were fixed, and on
bench/data/held-out-2.jsonl, 20 posts per language and script written before the language cues
were reworked (language and label only: it has no gold extractions), and on
bench/data/held-out-3.jsonl, 190 posts written by someone who had seen neither the corpus nor the
language cues (language and label only).

Language accuracy is given two ways. `lang` counts a guess right only when it names the language
the line was filed under. `lang*` also counts it right when the project's data holds a line of
the same words filed under the guessed language: short Serbian, Croatian and Bosnian posts are
often word for word the same in two or three of them, so no identifier can tell which one a line
was filed under; `ceiling` is the best `lang` any function of the text could reach on the set.

    PYTHONPATH=src .venv/bin/python bench/triage.py
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import py3langid
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from armsbridge.monitoring.classify import get_classifier
from armsbridge.monitoring.corpus import (
    LANGUAGES,
    group_of,
    load_corpus,
    same_words,
    valid_languages,
)
from armsbridge.monitoring.extract import extract
from armsbridge.monitoring.language import identify

HERE = Path(__file__).parent
FIELDS = ("phones", "prices", "handles", "weapons", "calibres")
SHORT = 60


def _baseline_classifier(train: list[dict[str, Any]]) -> Any:
    vectorizer = TfidfVectorizer()
    model = LogisticRegression(max_iter=2000)
    model.fit(vectorizer.fit_transform([r["text"] for r in train]), [r["label"] for r in train])
    return lambda text: str(model.predict(vectorizer.transform([text]))[0])


def _f1(pairs: list[tuple[str, str]]) -> float | None:
    """Micro F1 of the offer and wanted labels (a right "other" is not a hit)."""
    tp = sum(1 for g, p in pairs if g == p and g != "other")
    fp = sum(1 for g, p in pairs if p != "other" and g != p)
    fn = sum(1 for g, p in pairs if g != "other" and g != p)
    if tp + fp + fn == 0:
        return None
    return 2 * tp / (2 * tp + fp + fn)


def _mean(values: list[bool]) -> float | None:
    return sum(values) / len(values) if values else None


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _ceiling(rows: list[dict[str, Any]]) -> float:
    """Return the best strict language accuracy a function of the text can reach on rows."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts[same_words(row["text"])][row["language"]] += 1
    return sum(max(c.values()) for c in counts.values()) / len(rows)


def evaluate(rows: list[dict[str, Any]], baseline: Any) -> dict[str, Any]:
    """Return the figures of one set of rows, overall and per language-script group."""
    py3langid.set_languages(list(LANGUAGES))  # its bundled model, six languages kept
    valid = valid_languages([*load_corpus(), *rows])
    classifier = get_classifier()
    groups: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[str, dict[str, int]] = {f: {"tp": 0, "fp": 0, "fn": 0} for f in FIELDS}
    failures: list[dict[str, Any]] = []
    for row in rows:
        guess = identify(row["text"])
        accepted = valid[same_words(row["text"])]
        ours_ok = guess.language == row["language"] and guess.script == row["script"]
        ours_any = guess.language in accepted and guess.script == row["script"]
        stock = py3langid.classify(row["text"])[0]
        stock_ok, stock_any = stock == row["language"], stock in accepted
        label = classifier.classify(row["text"]).label
        found = extract(row["text"], guess.language)
        for name in ("all", group_of(row)):
            g = groups[name]
            g["lang"].append(ours_ok)
            g["lang_any"].append(ours_any)
            g["stock"].append(stock_ok)
            g["stock_any"].append(stock_any)
            if len(row["text"]) < SHORT:
                g["lang_short"].append(ours_any)
                g["stock_short"].append(stock_any)
            g["cls"].append((row["label"], label))
            g["base"].append((row["label"], baseline(row["text"])))
        for field in FIELDS if "extractions" in row else ():
            got = {_key(v) for v in found[field]}
            want = {_key(v) for v in row["extractions"][field]}
            counts[field]["tp"] += len(got & want)
            counts[field]["fp"] += len(got - want)
            counts[field]["fn"] += len(want - got)
        if not ours_any or label != row["label"]:
            failures.append(
                {
                    "id": row["id"],
                    "text": row["text"],
                    "language": [row["language"], guess.language],
                    "label": [row["label"], label],
                }
            )
    table = {}
    for name, g in sorted(groups.items()):
        table[name] = {
            "n": len(g["lang"]),
            "n_short": len(g["lang_short"]),
            "language_accuracy": _mean(g["lang"]),
            "language_accuracy_stock": _mean(g["stock"]),
            "language_accuracy_any_valid": _mean(g["lang_any"]),
            "language_accuracy_any_valid_stock": _mean(g["stock_any"]),
            "language_accuracy_short": _mean(g["lang_short"]),
            "language_accuracy_short_stock": _mean(g["stock_short"]),
            "offer_wanted_f1": _f1(g["cls"]),
            "offer_wanted_f1_baseline": _f1(g["base"]),
        }
    extraction = {
        f: {
            "precision": c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else None,
            "recall": c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else None,
            "gold": c["tp"] + c["fn"],
        }
        for f, c in counts.items()
    }
    return {
        "groups": table,
        "strict_ceiling": round(_ceiling(rows), 4),
        "extraction": extraction,
        "failures": failures,
    }


def _fmt(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "  -" if not a or not b else f"{a / b:.2f}x"


def show(title: str, figures: dict[str, Any]) -> None:
    """Print the figures of one set as tables."""
    print(f"\n## {title}")
    head = f"{'group':10} {'n':>4} | {'lang':>5} | {'lang*':>5} {'stock*':>6} {'ratio':>6} | "
    head += f"{'<60*':>5} {'stock*':>6}"
    print(head + f" | {'F1':>5} {'tfidf':>5} {'ratio':>6}")
    for name, g in figures["groups"].items():
        print(
            f"{name:10} {g['n']:>4} | {_fmt(g['language_accuracy']):>5} | "
            f"{_fmt(g['language_accuracy_any_valid']):>5} "
            f"{_fmt(g['language_accuracy_any_valid_stock']):>6} "
            f"{_ratio(g['language_accuracy_any_valid'], g['language_accuracy_any_valid_stock']):>6}"
            " | "
            f"{_fmt(g['language_accuracy_short']):>5} {_fmt(g['language_accuracy_short_stock']):>6}"
            f" | {_fmt(g['offer_wanted_f1']):>5} {_fmt(g['offer_wanted_f1_baseline']):>5} "
            f"{_ratio(g['offer_wanted_f1'], g['offer_wanted_f1_baseline']):>6}"
        )
    ceiling = figures["strict_ceiling"]
    print(f"   best strict `lang` any function of the text can reach here: {ceiling:.3f}")
    print(f"\n{'field':10} {'gold':>5} {'precision':>9} {'recall':>7}")
    for field, e in figures["extraction"].items():
        print(f"{field:10} {e['gold']:>5} {_fmt(e['precision']):>9} {_fmt(e['recall']):>7}")


def main() -> None:
    """Run the benchmark and write bench/results/triage.json."""
    started = time.perf_counter()
    train = load_corpus("train")
    baseline = _baseline_classifier(train)
    get_classifier()
    identify("warm up")
    trained = time.perf_counter() - started
    results: dict[str, Any] = {"train_lines": len(train), "training_seconds": round(trained, 2)}
    held_out = load_corpus("test")
    results["held_out"] = evaluate(held_out, baseline)
    show(f"held-out split ({len(held_out)} posts)", results["held_out"])
    unseen_file = HERE / "data" / "unseen.jsonl"
    if unseen_file.exists():
        unseen = [json.loads(line) for line in unseen_file.read_text("utf-8").splitlines() if line]
        results["unseen"] = evaluate(unseen, baseline)
        show(
            f"unseen set ({len(unseen)} posts, written after the models were fixed)",
            results["unseen"],
        )
    second = HERE / "data" / "held-out-2.jsonl"
    rows = [json.loads(line) for line in second.read_text("utf-8").splitlines() if line]
    results["held_out_2"] = evaluate(rows, baseline)
    show(f"second held-out set ({len(rows)} posts, language and label only)", results["held_out_2"])
    third = HERE / "data" / "held-out-3.jsonl"
    rows = [json.loads(line) for line in third.read_text("utf-8").splitlines() if line]
    results["held_out_3"] = evaluate(rows, baseline)
    show(
        f"third held-out set ({len(rows)} posts, written blind to corpus and cues)",
        results["held_out_3"],
    )
    started = time.perf_counter()
    for row in held_out:
        identify(row["text"])
        get_classifier().classify(row["text"])
        extract(row["text"], row["language"])
    per_post = (time.perf_counter() - started) / len(held_out)
    results["ms_per_post"] = round(per_post * 1000, 2)
    print(f"\ntraining {trained:.1f} s; triage {per_post * 1000:.1f} ms a post")
    out = HERE / "results" / "triage.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()

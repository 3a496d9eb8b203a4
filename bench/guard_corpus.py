"""Recall and false-positive rate of the personal-data guard on its test corpus.

    python bench/guard_corpus.py            # summary by kind and by language
    python bench/guard_corpus.py --misses   # also list the texts it gets wrong
    python bench/guard_corpus.py --heldout  # the held-out corpus instead

A personal text counts as caught when a finding of its kind covers the planted data
(what the tests require); "any kind" counts a text caught by a finding of another kind
that covers the data. An operational text is a false positive when anything at all is
found in it. Prints figures; asserts nothing. Needs the dev extras (it imports the
corpus from ``tests/reports/guard_corpus.py``).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reporting.reports.guard import Finding, find_personal_data  # noqa: E402
from tests.reports import guard_corpus, guard_corpus_heldout  # noqa: E402

# Characters a finding may fall short of the planted data at either end (a closing
# bracket or an invisible character).
SLACK = 1


def covers(finding: Finding, start: int, end: int) -> bool:
    return finding.start <= start + SLACK and finding.end >= end - SLACK


def caught(kind: str, text: str, planted: str, any_kind: bool = False) -> bool:
    start = text.index(planted)
    end = start + len(planted)
    return any(covers(f, start, end) and (any_kind or f.kind == kind)
               for f in find_personal_data(text))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--heldout", action="store_true",
                        help="measure tests/reports/guard_corpus_heldout.py, written after "
                             "the detectors were tuned on the main corpus")
    args = parser.parse_args(argv)
    corpus = guard_corpus_heldout if args.heldout else guard_corpus
    PERSONAL, OPERATIONAL = corpus.PERSONAL, corpus.OPERATIONAL  # noqa: N806

    total: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    language_hits: Counter[str] = Counter()
    any_kind = 0
    misses = []
    for kind, language, text, planted in PERSONAL:
        total[kind] += 1
        by_language[language] += 1
        if caught(kind, text, planted):
            hits[kind] += 1
            language_hits[language] += 1
        else:
            misses.append((kind, text, find_personal_data(text)))
        any_kind += caught(kind, text, planted, any_kind=True)
    false_positives = [(text, find_personal_data(text)) for _, text in OPERATIONAL
                       if find_personal_data(text)]

    n = len(PERSONAL)
    print(f"personal texts: {n}; caught as their kind: {sum(hits.values())} "
          f"(recall {sum(hits.values()) / n:.1%}); caught as any kind: {any_kind} "
          f"({any_kind / n:.1%})")
    print(f"operational texts: {len(OPERATIONAL)}; flagged: {len(false_positives)} "
          f"(false-positive rate {len(false_positives) / len(OPERATIONAL):.1%})")
    print(f"\n{'kind':<18} {'texts':>5} {'caught':>6} {'recall':>7}")
    for kind in sorted(total):
        print(f"{kind:<18} {total[kind]:>5} {hits[kind]:>6} {hits[kind] / total[kind]:>7.0%}")
    print(f"\n{'language':<18} {'texts':>5} {'caught':>6}")
    for language in sorted(by_language):
        print(f"{language:<18} {by_language[language]:>5} {language_hits[language]:>6}")
    if args.misses:
        print("\nmissed:")
        for kind, text, findings in misses:
            print(f"  [{kind}] {text!r} -> {[(f.kind, f.start, f.end) for f in findings]}")
        print("\nfalse positives:")
        for text, findings in false_positives:
            print(f"  {text!r} -> {[(f.kind, text[f.start:f.end]) for f in findings]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

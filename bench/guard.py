"""The personal-data guard on hostile input, against an operational narrative.

    python bench/guard.py                  # 5 runs of each text, best and median
    python bench/guard.py --runs 20

Times ``find_personal_data`` on each of the test suite's pathological texts (runs
that invite catastrophic backtracking or unbounded phone-matcher work, cut to 4,000
characters, a narrative's limit) and, as the baseline of the same run, on a
realistic 4,000-character operational narrative built from the test corpus. Prints
milliseconds and the ratio to the baseline; asserts nothing. Needs the dev extras
(it imports the texts from ``tests/reports/test_guard.py``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reporting.reports.guard import find_personal_data  # noqa: E402
from tests.reports.test_guard import PATHOLOGICAL, _narrative  # noqa: E402

LIMIT = 4000


def timings(function: Callable[[], object], runs: int) -> list[float]:
    """Seconds per call, one figure per run."""
    spent = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        spent.append(time.perf_counter() - started)
    return spent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    narrative = _narrative(LIMIT)
    find_personal_data(narrative)  # warm-up: compiled patterns, phone metadata
    base = timings(lambda: find_personal_data(narrative), args.runs)
    print(f"{'text':<22} {'best ms':>9} {'median ms':>10} {'x baseline':>11} findings")
    print(f"{'operational (base)':<22} {min(base) * 1e3:9.2f} "
          f"{statistics.median(base) * 1e3:10.2f} {1:11.1f} 0")
    for name, whole in PATHOLOGICAL.items():
        text = whole[:LIMIT]
        spent = timings(lambda text=text: find_personal_data(text), args.runs)
        ratio = statistics.median(spent) / statistics.median(base)
        print(f"{name:<22} {min(spent) * 1e3:9.2f} {statistics.median(spent) * 1e3:10.2f} "
              f"{ratio:11.1f} {len(find_personal_data(text))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

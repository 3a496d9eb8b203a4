"""The personal-data guard's cost per kilobyte, detector by detector, as texts grow.

    python bench/guard.py                  # sizes 1, 4, 16, 64, 256 KB; best of 3 runs
    python bench/guard.py --runs 5 --sizes 1 4 16

Every detector is called directly (sizes beyond a field's limit never reach the guard
through the API, but a detector that is linear at 256 KB cannot blow up at 4 KB) on
each input shape: a realistic operational narrative built from the test corpus, the
test suite's pathological texts (runs that invite catastrophic backtracking, quadratic
scans or unbounded phone-matcher work) and a few more for the newer kinds, each
repeated to the size. For each detector and size it prints the worst shape's
milliseconds per KB; linear detectors print flat rows. Then the same for the
normalised views and for the whole ``find_personal_data``. Prints figures; asserts
nothing. Needs the dev extras (it imports the texts from ``tests/reports``).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reporting.reports.guard import (  # noqa: E402
    DETECTORS,
    check_guard_configuration,
    find_personal_data,
)
from reporting.reports.guard.normalise import digit_view, normalise  # noqa: E402
from tests.reports.test_guard import PATHOLOGICAL, _narrative  # noqa: E402

SIZES_KB = (1, 4, 16, 64, 256)
# Shapes for the kinds the original pathological set did not cover.
EXTRA_SHAPES = {
    "names": "driver Budi Contoh, known as Jack Placeholder, Pak Joko ",
    "honorifics": "Mr Mr Mr Haji Pak Bu ",
    "streets": "Jalan Merdeka No. 12 Jl. ",
    "handles": "@agen_contoh t.me/x Line ID: a_1 ",
    "spelled-digits": "zero eight one two ",
    "accounts": "rekening 1234567890 account ",
    "plates": "plate B 1234 XYZ nopol ",
    "wallets": "1KUCzSr49wPWckUDouJLybJuRYtViF5hfM 0x252F10c83610ebCA1a059C0Bae8255EBA2F95bE4 ",
    "fullwidth": "\uff10\uff18\uff11\uff12\u200b\uff13\uff14\uff15\uff16 ",
    "escapes": "a%40b&#64;c&commat;d ",
    "mrz-spaced": "P<IDN SANTOSO<< ",
    "age-dates": "34 y/o, 15-01-1990 aged ",
}


def shapes() -> dict[str, str]:
    found = {"operational": _narrative(4000)}
    found.update(PATHOLOGICAL)
    found.update(EXTRA_SHAPES)
    return found


def sized(base: str, kb: int) -> str:
    n = kb * 1024
    return (base * (n // len(base) + 1))[:n]


def best(function: Callable[[], object], runs: int) -> float:
    spent = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        spent.append(time.perf_counter() - started)
    return min(spent)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES_KB))
    args = parser.parse_args(argv)

    check_guard_configuration({})  # warm-up: gazetteer, compiled patterns, phone metadata
    texts = {name: {kb: sized(base, kb) for kb in args.sizes} for name, base in shapes().items()}
    rows: list[tuple[str, Callable[[str], object]]] = [
        (f"{type(d).__name__.removesuffix('Detector')} ({d.kind})",
         lambda text, d=d: list(d.find(text)))
        for d in DETECTORS
    ]
    rows.append(("normalise (view)", normalise))
    rows.append(("digit_view (view)", lambda text: digit_view(normalise(text))))
    rows.append(("find_personal_data", find_personal_data))

    header = " ".join(f"{kb:>6}KB" for kb in args.sizes)
    print(f"worst-shape milliseconds per KB (best of {args.runs} runs)")
    print(f"{'detector':<38} {header}  worst shape at the largest size")
    for label, function in rows:
        figures = []
        worst_name = ""
        for kb in args.sizes:
            runs = args.runs if kb <= 16 else min(args.runs, 2)
            worst = 0.0
            for name, by_size in texts.items():
                spent = best(lambda f=function, t=by_size[kb]: f(t), runs) / kb * 1e3
                if spent > worst:
                    worst, worst_name = spent, name
            figures.append(worst)
        print(f"{label:<38} " + " ".join(f"{x:8.3f}" for x in figures) + f"  {worst_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The installable artefact: what ``pip install .`` (and ``docker/Dockerfile``) puts on a
machine, checked outside the checkout so that nothing is found by accident."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("reporting", "workers", "migrations", "seeds")


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_built_wheel_alone_initialises_a_database(tmp_path):
    # Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        shutil.copytree(ROOT / name, source / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
         str(source), cwd=tmp_path)
    wheel, = (tmp_path / "dist").glob("openvrs-*.whl")
    site = tmp_path / "site"
    _run(sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(wheel), cwd=tmp_path)

    # The checkout is not on the path (cwd elsewhere, PYTHONPATH the wheel's files only),
    # so the migrations and reference data must come from the wheel.
    env = {**os.environ, "PYTHONPATH": str(site), "VRS_DATA_DIR": str(tmp_path / "data")}
    env.pop("VRS_DATABASE_URL", None)
    where = _run(sys.executable, "-c", "import migrations, reporting, seeds; "
                 "print(reporting.__file__, migrations.__file__, seeds.__file__)",
                 cwd=tmp_path, env=env)
    assert all(path.startswith(str(site)) for path in where.split()), where
    output = _run(sys.executable, "-c", "from reporting.cli import main; main()", "init",
                  cwd=tmp_path, env=env)
    assert re.search(r"added \d{3} countries", output), output

"""The console bundle an installer ships, built with PyInstaller and run without the checkout.

``packaging/build.py console`` builds in the cached console venv outside the repo
(``~/.cache/camcount/venv-console``: created on first use, ~35 s, then reused like the main venv),
then runs the bundle from an empty folder with the checkout's sources and that venv hidden. About
a minute and a half on two cores. The worker bundle carries torch (gigabytes): it is built and
smoke-run by ``python packaging/build.py worker``, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NO_BUILD_VENV = 3  # build.py's exit status when its venv cannot be had (offline, no PyInstaller)


@pytest.mark.packaging
@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_console_bundle_runs_local_mode_without_the_checkout(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "console",
                          "--dist", str(tmp_path / "dist"), "--work", str(tmp_path / "build")],
                         capture_output=True, text=True, timeout=1100)
    if run.returncode == NO_BUILD_VENV:
        pytest.skip(run.stderr.strip())
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    failed = [s for s in summary["steps"] if not s["ok"]]
    assert summary["ok"] and not failed, failed or run.stderr[-2000:]
    steps = {s["step"]: s for s in summary["steps"]}
    assert steps["no torch/ultralytics inside"]["ok"]
    # the self-test saw a detection result drawn on the sample camera's tile, and the console
    # says which detector made it: the HOG fallback, as this bundle has no YOLO
    assert "HOG" in steps["--self-test"]["detector"]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert summary["version"] == version  # and --version printed it (a smoke step)
    assert (tmp_path / "dist" / "camcount-desktop").is_dir()  # one folder by default
    # with torch inside it would be gigabytes
    assert summary["size_bytes"] < 700e6, f"{summary['size_bytes'] / 1e6:.0f} MB"

"""Any console module can be the first one imported (a test file, a plugin, the bundle's entry
point): PySide6's import hook and pydantic's lazy attributes once made the admin forms fail to
import on their own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module", ["camcount_desktop.admin.rule_form",
                                    "camcount_desktop.admin.target_form"])
def test_console_module_imports_first(module):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]

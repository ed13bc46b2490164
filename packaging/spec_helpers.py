"""What both PyInstaller specs share: the project's name and version (from ``pyproject.toml``),
the icon for this OS, the spec's own options, and the Qt parts the console leaves out.

The specs run inside PyInstaller and import this file from ``SPECPATH``; it needs only the
standard library.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
RESOURCES = ROOT / "resources"


def project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def options(argv: list[str]) -> argparse.Namespace:
    """Options given after ``--``: ``pyinstaller packaging/camcount-worker.spec -- --onefile``."""
    p = argparse.ArgumentParser(prog="spec")
    p.add_argument("--onefile", action="store_true", help="one self-extracting executable")
    p.add_argument("--weights", type=Path, action="append", default=[],
                   help="YOLO weights to bundle (worker only); the first is the default model")
    return p.parse_args(argv)


def package_data() -> list[tuple[str, str]]:
    """Every file ``[tool.setuptools.package-data]`` ships inside a package (Alembic's migration
    scripts, the notifier's templates...), at the same place in the bundle: the code finds them
    beside its own ``__file__``, which PyInstaller points into the bundle."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        declared = tomllib.load(f)["tool"]["setuptools"]["package-data"]
    found = []
    for package, patterns in declared.items():
        base = ROOT.joinpath(*package.split("."))
        for pattern in patterns:
            found += [(str(p), str(p.parent.relative_to(ROOT))) for p in sorted(base.glob(pattern))
                      if p.is_file()]
    return found


def icon() -> str | None:
    """Windows executables carry a .ico, macOS apps a .icns; Linux executables have no icon
    (a .desktop file points at resources/icons/camcount.png instead)."""
    ext = {"win32": "ico", "darwin": "icns"}.get(sys.platform)
    return str(RESOURCES / "icons" / f"camcount.{ext}") if ext else None


def version_metadata(workpath: str) -> tuple[str, str]:
    """A ``camcount-<version>.dist-info`` for the bundle, so ``--version`` (importlib.metadata)
    reports pyproject's version: the build venv need not have camcount installed, and an
    editable install there may be older than the checkout being built."""
    meta = project()
    info = Path(workpath) / f"camcount-{meta['version']}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {meta['name']}\n"
                                   f"Version: {meta['version']}\n", encoding="utf-8")
    return str(info), info.name


#: Qt parts the console does not use. PySide6's hook collects every plugin of QtGui/QtWidgets;
#: kept: window systems (xcb, wayland, offscreen), image formats, input methods, the desktop-portal
#: theme. Dropped: translations of Qt's own dialogs but those of the console's languages
#: (``QT_KEPT``: Vietnamese has none in Qt), the plugins
#: of embedded displays with no window system (framebuffer, EGLFS, VNC, evdev input), and the GTK 3
#: theme with the GTK stack it would copy from the build machine (12 MB, and a GTK that differs
#: from the target desktop's own is a classic source of crashes in frozen Qt apps).
QT_UNUSED = (
    "PySide6/Qt/translations/",
    "PySide6/Qt/plugins/platformthemes/libqgtk3",
    "libgtk-3.", "libgdk-3.", "libatk-", "libatspi.", "libepoxy.", "libcairo-gobject.",
    "libgdk_pixbuf-",
    "PySide6/Qt/plugins/egldeviceintegrations/",
    "PySide6/Qt/plugins/generic/",
    "PySide6/Qt/plugins/platforms/libqvnc",
    "PySide6/Qt/plugins/platforms/libqlinuxfb",
    "PySide6/Qt/plugins/platforms/libqeglfs",
    "PySide6/Qt/plugins/platforms/libqvkkhrdisplay",
    "PySide6/Qt/plugins/platforms/libqminimalegl",
)


#: Qt's own translations the console loads (standard buttons and dialogs in its languages)
QT_KEPT = ("PySide6/Qt/translations/qtbase_ru", "PySide6/Qt/translations/qtbase_ko")


def without(toc: list, prefixes: tuple[str, ...], keep: tuple[str, ...] = QT_KEPT) -> list:
    """A TOC without the entries whose destination starts with one of ``prefixes`` (unless it
    starts with one of ``keep``)."""
    return [entry for entry in toc if not entry[0].replace("\\", "/").startswith(prefixes)
            or entry[0].replace("\\", "/").startswith(keep)]


def translations(workpath: str) -> list[tuple[str, str]]:
    """The console's ``.qm`` files, compiled now from ``resources/i18n/*.ts`` by the build
    venv's PySide6 (``lrelease``), for ``resources/i18n`` in the bundle."""
    out = Path(workpath) / "i18n"
    subprocess.run([sys.executable, "-m", "camcount_desktop.i18n", "build", str(out)], check=True,
                   cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
    return [(str(qm), "resources/i18n") for qm in sorted(out.glob("*.qm"))]

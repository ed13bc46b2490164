"""Which system libraries Qt's X11 platform plugin lacks, and the Debian/Ubuntu packages that
provide them. Without them Qt only says "Could not load the Qt platform plugin xcb"; run.sh asks
this module first and names the exact install command (or installs them when run as root).

    python -m camcount_desktop.qt_system_libs      # exit 0: nothing missing; 1: prints the packages
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

#: sonames whose Debian package name does not follow the usual rule
PACKAGE_OF = {"libGL.so.1": "libgl1", "libEGL.so.1": "libegl1", "libOpenGL.so.0": "libopengl0"}
_NOT_FOUND = re.compile(r"^\s*(\S+\.so[.\d]*) => not found", re.MULTILINE)


def package_for(soname: str) -> str:
    """Debian's naming: libxcb-icccm.so.4 -> libxcb-icccm4, libxkbcommon-x11.so.0 ->
    libxkbcommon-x11-0 (a dash when the name ends in a digit)."""
    if soname in PACKAGE_OF:
        return PACKAGE_OF[soname]
    base, _, version = soname.partition(".so.")
    major = version.split(".")[0]
    return (base + ("-" if base[-1].isdigit() else "") + major).lower()


def missing_sonames(ldd_output: str) -> list[str]:
    return sorted(set(_NOT_FOUND.findall(ldd_output)))


def xcb_plugin_libraries() -> list[Path]:
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    return [qt / "plugins" / "platforms" / "libqxcb.so", *sorted((qt / "lib").glob("libQt6XcbQpa.so*"))]


def missing_packages() -> list[str]:
    if not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return []
    out = ""
    for lib in xcb_plugin_libraries():
        if lib.exists():
            out += subprocess.run(["ldd", str(lib)], capture_output=True, text=True).stdout
    return sorted({package_for(s) for s in missing_sonames(out)})


def main() -> int:
    packages = missing_packages()
    if packages:
        print(" ".join(packages))
    return 1 if packages else 0


if __name__ == "__main__":
    sys.exit(main())

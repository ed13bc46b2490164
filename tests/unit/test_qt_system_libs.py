"""run.sh names the Debian packages Qt's X11 plugin lacks, from what ldd says."""

from __future__ import annotations

from camcount_desktop.qt_system_libs import missing_packages, missing_sonames, package_for

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6Gui.so.6 => /venv/PySide6/Qt/lib/libQt6Gui.so.6 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibEGL.so.1 => not found
"""


def test_the_missing_libraries_of_a_fresh_desktop_are_named_as_packages() -> None:
    sonames = missing_sonames(LDD)
    assert sonames == ["libEGL.so.1", "libxcb-icccm.so.4", "libxcb-keysyms.so.1",
                       "libxkbcommon-x11.so.0"]
    assert sorted(map(package_for, sonames)) == ["libegl1", "libxcb-icccm4", "libxcb-keysyms1",
                                                 "libxkbcommon-x11-0"]


def test_nothing_is_missing_here() -> None:
    assert missing_packages() == []  # this machine opens windows under Xvfb

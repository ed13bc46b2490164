"""The console in another language: chosen in the settings, applied at start (Qt's translators
and the locale's dates and numbers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from camcount_desktop import i18n
from camcount_desktop.console import Console
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from camcount_desktop.settings_dialog import SettingsDialog


@pytest.fixture
def translated() -> Iterator[None]:
    yield
    i18n.uninstall()  # the next tests run in English


def start(qtbot, settings: Settings) -> MainWindow:
    """What camcount-desktop does at start: the language first, then the window."""
    i18n.install(settings.language())
    console = Console("local", settings, local_cameras=[], local_zones=[], host_workers=False)
    window = MainWindow(console, settings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_the_console_started_in_korean_shows_korean_menus_and_panels(
        qtbot, settings: Settings, translated: None) -> None:
    settings.set_language("ko")
    window = start(qtbot, settings)
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["파일(&F)", "보기(&V)", "관리(&A)"]
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "경보", "큐", "데드 레터"]
    assert window.alerts_view.ack_all_button.text() == "모두 확인"
    assert window.layout_actions[2].toolTip() == "타일 4개 (Ctrl+2)"
    assert window.windowTitle() == "CamCount — 로컬 모드"
    # numbers in the locale's way (Korean groups thousands with a comma, as English)
    assert i18n.number(1234) == "1,234"


def test_russian_numbers_and_menus(qtbot, settings: Settings, translated: None) -> None:
    settings.set_language("ru")
    window = start(qtbot, settings)
    assert [a.text() for a in window.menuBar().actions()][0] == "&Файл"
    assert i18n.number(12345.5, 1) == "12\u00a0345,5"


def test_english_is_the_source_and_needs_no_translation(
        qtbot, settings: Settings, translated: None) -> None:
    settings.set_language("en")
    window = start(qtbot, settings)
    assert [a.text() for a in window.menuBar().actions()] == ["&File", "&View", "&Admin"]


def test_the_language_is_chosen_in_the_settings_dialog(qtbot, settings: Settings) -> None:
    dialog = SettingsDialog("local", language="vi")
    qtbot.addWidget(dialog)
    names = [dialog.language.itemText(i) for i in range(dialog.language.count())]
    assert names[1:] == ["English", "Tiếng Việt", "Русский", "한국어"]  # each in its own words
    assert dialog.language.currentText() == "Tiếng Việt"
    dialog.language.setCurrentIndex(names.index("한국어"))
    assert dialog.chosen_language() == "ko"
    dialog.language.setCurrentIndex(0)  # "System default": the OS's language at the next start
    assert dialog.chosen_language() == ""

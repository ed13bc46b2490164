"""Issue 19, "First run with real detection", in the console: local mode with no weights counts
with HOG under an amber chip; a click on the chip opens the Detection page, where a download
from the model server (a local HTTP server here) shows its progress, can be cancelled, is refused
when cut short, and once it loads switches the running detector to YOLO without a restart: the
chip turns green and the wall's results come from the new model."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

import camcount_desktop.detection.controller as detection_controller
import workers.detector.yolo as yolo
from camcount_desktop.console import Console
from camcount_desktop.detection.controller import DetectionController
from camcount_desktop.detection.view import DetectionDialog, DetectionPage
from camcount_desktop.health.view import COLORS
from camcount_desktop.local_mode import SAMPLE_CAMERA_ID, LocalData
from camcount_desktop.main_window import MainWindow
from camcount_desktop.settings import Settings
from tests.helpers.model_server import ModelServer, random_weights
from tests.helpers.waiting import until


def crossings(console: Console) -> int:
    result = console.wall.state(SAMPLE_CAMERA_ID).latest_result
    return result.counting_data.count_in + result.counting_data.count_out if result else 0


def model_of_results(console: Console) -> str:
    result = console.wall.state(SAMPLE_CAMERA_ID).latest_result
    return result.detection_results.model_version if result else ""


@pytest.mark.slow
async def test_a_model_fetched_on_the_detection_page_replaces_the_hog_fallback_at_once(
        qtbot, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ultralytics.utils import SETTINGS

    if (Path(SETTINGS["weights_dir"]) / "yolo11n.pt").is_file():
        pytest.skip("ultralytics' weights folder has yolo11n.pt: local mode would not fall back")
    (tmp_path / "served").mkdir()
    weights = random_weights(tmp_path / "served" / "yolo11n.pt").read_bytes()
    models = tmp_path / "models"
    monkeypatch.setattr(yolo, "MODELS_DIR", models)  # a first run: no weights where it looks
    monkeypatch.setattr(detection_controller, "default_models_dir", lambda: models)
    monkeypatch.chdir(tmp_path)  # nor in the working folder
    console = Console("local", settings, data=LocalData(tmp_path / "data"))
    # PyTorch at 320 px: the switch loads in a second, with no OpenVINO export
    console.runtime.detector_config.backend = "pytorch"
    console.runtime.detector_config.imgsz = 320
    window = MainWindow(console, settings)
    window.show()
    await console.start()
    try:
        chip = window.health_view.detector
        await until(lambda: "HOG fallback" in chip.text(), 60, "the HOG fallback's chip")
        assert COLORS["fallback"] in chip.styleSheet()
        assert "Click to fetch or choose a YOLO model" in chip.toolTip()
        await until(lambda: model_of_results(console).startswith("opencv-hog (fallback"), 30)
        counted = await until(lambda: crossings(console), 60, "a crossing counted with HOG")

        qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
        dialog = await until(lambda: next(iter(window.findChildren(DetectionDialog)), None), 5)
        page, controller = dialog.page, window.detection
        # the catalogue's size is from memory: said as approximate
        assert page.models.currentText().startswith("yolo11n (≈ 5.6 MB)")
        assert page.download_button.text() == "Download"
        assert "HOG fallback" in page.in_use.text()

        with ModelServer({"yolo11n.pt": weights}) as server:
            page.source.setText(server.url)
            # cancelled half way: nothing kept
            server.delay = 0.05
            qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)
            await until(lambda: 0 < page.bar.value() < page.bar.maximum(), 10, "progress")
            assert page.bar.isVisible() and page.bar.format().endswith(" / 5.5 MB")
            # the size the server announces, once it has
            assert page.status.text().endswith(": 5.5 MB, as the server announces…")
            assert not page.download_button.isEnabled() and page.cancel_button.isEnabled()
            qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
            await until(lambda: controller.state == "cancelled", 10)
            assert page.status.text() == "Download cancelled; nothing was kept."
            assert not models.exists() or list(models.iterdir()) == []

            # cut short: refused, said in red, the detector untouched
            server.delay, server.cut_after = 0.0, len(weights) // 3
            qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)
            await until(lambda: controller.state == "error", 20)
            assert "was cut short" in page.status.text() and "refused" in page.status.text()
            assert "#d04040" in page.status.styleSheet()
            assert list(models.iterdir()) == [] and "HOG fallback" in chip.text()

            # whole: checked, loaded into the running detector
            server.cut_after = None
            qtbot.mouseClick(page.download_button, Qt.MouseButton.LeftButton)
            await until(lambda: controller.busy, 5, "the download to start")
            await until(lambda: not controller.busy, 90, "the switch")
            assert controller.state == "done", page.status.text()
        assert page.status.text() == "Detecting with yolo11n.pt/pytorch@320."
        assert (models / "yolo11n.pt").read_bytes() == weights
        assert chip.text().startswith("Detector: YOLO yolo11n.pt/pytorch@320")
        assert COLORS["yolo"] == "#2e9d4f" and COLORS["yolo"] in chip.styleSheet()  # green
        assert page.in_use.text() == chip.text()
        assert page.download_button.text() == "Use"  # it is on disk now
        assert not page.bar.isVisible() and not page.cancel_button.isVisible()
        await until(lambda: model_of_results(console) == "yolo11n.pt/pytorch@320", 30,
                    "results from the new model")
        assert crossings(console) >= counted  # the totals carried on across the switch
        assert settings.detector_model() == str(models / "yolo11n.pt")  # and at the next start

        # a file chosen on disk that is no model: said, and the detector keeps its model
        (tmp_path / "notes.txt").write_text("not a model")
        controller.choose(tmp_path / "notes.txt")
        await until(lambda: controller.state == "error", 10)
        assert page.status.text().startswith("notes.txt cannot be used: notes.txt is not a "
                                             "model file: choose YOLO weights (.pt), an ONNX")
        assert chip.text().startswith("Detector: YOLO yolo11n.pt/pytorch@320")
    finally:
        await console.stop()
        window.close_now()


async def test_connected_to_a_broker_the_page_says_to_fetch_on_each_detector_machine(
        qtbot, console: Console, settings: Settings) -> None:
    page = DetectionPage(DetectionController(console, settings), console.health)
    qtbot.addWidget(page)
    assert not page.download_button.isEnabled() and not page.choose_file.isEnabled()
    assert "On each detector machine run:  camcount-worker models fetch yolo11n" in page.note.text()

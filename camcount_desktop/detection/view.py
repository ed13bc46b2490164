"""The Detection page (File → Detection settings…, or a click on the detector chip): which
detector runs, a model to download with its size, a progress bar and Cancel, or a model file
on disk; and the dialog that holds it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from camcount_desktop import i18n
from camcount_desktop.detection.controller import DetectionController, megabytes
from camcount_desktop.health.controller import HealthController
from camcount_desktop.health.view import COLORS, set_chip
from workers.models.catalogue import base_url

STATE_COLORS = {"error": "#d04040", "cancelled": "#c98a12", "done": "#2e9d4f"}


class DetectionPage(QWidget):
    def __init__(self, controller: DetectionController, health: HealthController,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.controller, self.health = controller, health
        self.in_use = QLabel()
        intro = QLabel(self.tr(
            "Without YOLO weights the console counts with OpenCV's HOG people detector: people "
            "only, and less accurate. It never downloads anything by itself; fetch a model "
            "here, or choose one you have."))
        intro.setWordWrap(True)

        self.models = QComboBox()
        self.download_button = QPushButton()
        self.download_button.clicked.connect(self._download)
        self.models.currentIndexChanged.connect(self._sync_download_button)
        self.source = QLineEdit(controller.settings.models_url() or "")
        self.source.setPlaceholderText(base_url())  # $CAMCOUNT_MODELS_URL, else the release
        self.source.setToolTip(self.tr("Models are fetched from <this address>/<name>.pt: "
                                       "a mirror or a server on your network will do"))
        self.source.editingFinished.connect(lambda: controller.set_source(self.source.text()))
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(controller.cancel)
        row = QHBoxLayout()
        row.addWidget(self.models, 1)
        row.addWidget(self.download_button)
        self.bar_row = QWidget()  # shown while busy
        bar_row = QHBoxLayout(self.bar_row)
        bar_row.setContentsMargins(0, 0, 0, 0)
        bar_row.addWidget(self.bar, 1)
        bar_row.addWidget(self.cancel_button)
        fetch = QGroupBox(self.tr("Download a model"))
        form = QFormLayout(fetch)
        form.addRow(self.tr("Model"), row)
        form.addRow(self.tr("From"), self.source)
        form.addRow("", self.bar_row)

        self.choose_file = QPushButton(self.tr("Choose weights or ONNX file…"))
        self.choose_file.clicked.connect(self._choose_file)
        self.choose_folder = QPushButton(self.tr("Choose OpenVINO folder…"))
        self.choose_folder.clicked.connect(self._choose_folder)
        disk = QGroupBox(self.tr("Or use a model on disk"))
        disk_row = QHBoxLayout(disk)
        disk_row.addWidget(self.choose_file)
        disk_row.addWidget(self.choose_folder)
        disk_row.addStretch(1)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        col = QVBoxLayout(self)
        col.addWidget(self.in_use)
        col.addWidget(intro)
        col.addWidget(fetch)
        col.addWidget(disk)
        col.addWidget(self.status)
        col.addWidget(self.note)
        col.addStretch(1)

        controller.changed.connect(self.refresh)
        controller.progress.connect(self._progress)
        health.changed.connect(self._show_in_use)
        self._fill_models()
        self.refresh()

    def _fill_models(self) -> None:
        c = self.controller
        self.models.clear()
        for entry in c.catalogue():
            where = self.tr(" · on disk") if c.on_disk(entry) else ""
            # the catalogue's sizes are from memory: said as approximate
            self.models.addItem(self.tr("{name} (≈ {size}) — {description}").format(
                name=entry.name, size=megabytes(entry.approx_bytes),
                description=i18n.worker_text(entry.description)) + where, entry.name)
        self.models.setCurrentIndex(self.models.findData(c.default_model()))
        self._sync_download_button()

    def _sync_download_button(self) -> None:
        name = self.models.currentData()
        entry = next((e for e in self.controller.catalogue() if e.name == name), None)
        on_disk = entry is not None and self.controller.on_disk(entry) is not None
        self.download_button.setText(self.tr("Use") if on_disk else self.tr("Download"))

    def _show_in_use(self) -> None:
        det = self.health.detector()
        if det is None:
            set_chip(self.in_use, self.tr("Detector: not running yet"), COLORS["starting"])
        else:
            set_chip(self.in_use, self.tr("Detector: {text}").format(text=det.text),
                     COLORS["fallback" if det.fallback else "yolo"], det.detail)

    def refresh(self) -> None:
        c = self.controller
        self._show_in_use()
        usable = c.local and c.yolo_installed
        for w in (self.models, self.download_button, self.choose_file, self.choose_folder,
                  self.source):
            w.setEnabled(usable and not c.busy)
        self.cancel_button.setEnabled(c.state in ("downloading", "checking"))
        self.bar_row.setVisible(c.busy)
        if c.state in ("checking", "loading"):
            self.bar.setRange(0, 0)  # busy, no measure
        self.status.setText(c.message)
        self.status.setStyleSheet(f"color:{STATE_COLORS[c.state]};" if c.state in STATE_COLORS
                                  else "")
        if c.state in ("done", "error", "cancelled"):
            self._fill_models()  # a model may be on disk now
        if not c.yolo_installed:
            self.note.setText(self.tr("This installation has no YOLO runtime (ultralytics is not "
                                      "installed): it can only count with HOG."))
        elif not c.local:
            self.note.setText(self.tr(
                "Detection runs on the detector workers, each with its own model folder. On each "
                "detector machine run:  camcount-worker models fetch {name}  then restart the "
                "worker.").format(name=c.default_model()))
        else:
            self.note.setText(self.tr("Models are kept in {folder}.").format(
                folder=c.models_dir))

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * done / total))
            self.bar.setFormat(f"{megabytes(done)} / {megabytes(total)}")
        else:
            self.bar.setRange(0, 0)
            self.bar.setFormat(megabytes(done))

    def _download(self) -> None:
        self.controller.set_source(self.source.text())
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.controller.download(self.models.currentData())

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("YOLO weights or ONNX model"), str(self.controller.models_dir),
            self.tr("Models (*.pt *.onnx)"))
        if path:
            self.controller.choose(Path(path))

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("OpenVINO export folder"),
                                                str(self.controller.models_dir))
        if path:
            self.controller.choose(Path(path))


class DetectionDialog(QDialog):
    def __init__(self, controller: DetectionController, health: HealthController,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Detection"))
        self.page = DetectionPage(controller, health, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        col = QVBoxLayout(self)
        col.addWidget(self.page)
        col.addWidget(buttons)
        self.resize(720, self.sizeHint().height())

"""Issue 19, "First run with real detection", for workers: a model is fetched from a (local)
HTTP server with progress, can be cancelled, and a truncated, corrupted or not-a-model download
is refused, leaving nothing (and an earlier file untouched); ``camcount-worker models fetch``
and ``models list`` do it from a terminal."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.model_server import ModelServer, random_weights
from workers.models.check import check_model
from workers.models.download import DownloadError, download


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return random_weights(tmp_path_factory.mktemp("weights") / "yolo11n.pt").read_bytes()


@pytest.fixture
def server(weights: bytes):
    with ModelServer({"yolo11n.pt": weights}) as s:
        yield s


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_a_download_shows_its_progress_and_keeps_a_model_that_loads(
        server: ModelServer, weights: bytes, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    dest = tmp_path / "models" / "yolo11n.pt"
    said = await download(f"{server.url}/yolo11n.pt", dest, progress=lambda d, t: seen.append((d, t)),
                          check=check_model)
    assert dest.read_bytes() == weights
    assert said == "pytorch, 80 classes"
    assert seen[0] == (0, len(weights)) and seen[-1] == (len(weights), len(weights))
    assert len(seen) > 5 and [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert leftovers(dest.parent) == ["yolo11n.pt"]  # no temporary file left


async def test_a_cancelled_download_leaves_nothing_and_the_earlier_file_as_it_was(
        server: ModelServer, tmp_path: Path) -> None:
    server.delay = 0.05  # about 1.3 MB/s: seconds for the whole file
    dest = tmp_path / "yolo11n.pt"
    dest.write_bytes(b"the weights that were there before")
    started = asyncio.Event()
    task = asyncio.create_task(download(f"{server.url}/yolo11n.pt", dest,
                                        progress=lambda d, t: d > 0 and started.set()))
    await asyncio.wait_for(started.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert dest.read_bytes() == b"the weights that were there before"
    assert leftovers(tmp_path) == ["yolo11n.pt"]


async def test_a_download_cut_short_is_refused(server: ModelServer, weights: bytes,
                                               tmp_path: Path) -> None:
    server.cut_after = len(weights) // 2
    dest = tmp_path / "yolo11n.pt"
    with pytest.raises(DownloadError, match=rf"cut short \(([\d,]+) of {len(weights):,} bytes "
                                            r"came\): refused") as refused:
        await download(f"{server.url}/yolo11n.pt", dest, check=check_model)
    came = re.search(r"\(([\d,]+) of", str(refused.value))
    assert came and int(came.group(1).replace(",", "")) <= len(weights) // 2
    assert leftovers(tmp_path) == []


async def test_a_corrupted_download_is_refused_by_its_checksum(
        weights: bytes, tmp_path: Path) -> None:
    corrupted = bytearray(weights)
    for i in range(len(weights) // 2, len(weights) // 2 + 64):
        corrupted[i] ^= 0xFF  # inside the tensors: it still loads, only the checksum tells
    good = hashlib.sha256(weights).hexdigest()
    dest = tmp_path / "yolo11n.pt"
    with ModelServer({"yolo11n.pt": bytes(corrupted)}) as server:
        with pytest.raises(DownloadError, match="not the expected file .*SHA-256.*refused"):
            await download(f"{server.url}/yolo11n.pt", dest, sha256=good, check=check_model)
        assert leftovers(tmp_path) == []
        server.files["yolo11n.pt"] = weights
        await download(f"{server.url}/yolo11n.pt", dest, sha256=good.upper(), check=check_model)
    assert dest.read_bytes() == weights


async def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    with ModelServer({"yolo11n.pt": os.urandom(300_000)}) as server:
        with pytest.raises(DownloadError, match="yolo11n.pt from 127.0.0.1:.* is not a usable "
                                                "model .*cannot load it.*refused"):
            await download(f"{server.url}/yolo11n.pt", tmp_path / "yolo11n.pt", check=check_model)
    assert leftovers(tmp_path) == []


async def test_offline_or_missing_says_so_in_plain_words(server: ModelServer,
                                                         tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DownloadError, match=rf"^cannot reach 127\.0\.0\.1:{port}: "):
        await download(f"http://127.0.0.1:{port}/yolo11n.pt", tmp_path / "yolo11n.pt")
    with pytest.raises(DownloadError, match=r"127\.0\.0\.1:\d+ answered 404 Not Found for "):
        await download(f"{server.url}/yolo99.pt", tmp_path / "yolo99.pt")
    assert leftovers(tmp_path) == []


def worker_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workers.cli", "models", *args],
                          capture_output=True, text=True, timeout=120)


def test_models_fetch_and_list_from_the_command_line(server: ModelServer, weights: bytes,
                                                     tmp_path: Path) -> None:
    folder = tmp_path / "models"
    done = worker_cli("fetch", "yolo11n", "--url", server.url, "--dir", str(folder))
    assert done.returncode == 0, done.stderr
    assert (folder / "yolo11n.pt").read_bytes() == weights
    assert f"{folder / 'yolo11n.pt'} (5.5 MB, pytorch, 80 classes)" in done.stdout

    again = worker_cli("fetch", "yolo11n.pt", "--url", server.url, "--dir", str(folder))
    assert again.returncode == 0 and "already on disk" in again.stdout
    assert server.requests == ["/yolo11n.pt"]  # not fetched twice

    unknown = worker_cli("fetch", "yolo99", "--url", server.url, "--dir", str(folder))
    assert unknown.returncode == 2 and "no model named 'yolo99'; known: yolo11n" in unknown.stderr
    offline = worker_cli("fetch", "yolo11s", "--url", "http://127.0.0.1:9", "--dir", str(folder))
    assert offline.returncode == 1 and "cannot reach 127.0.0.1:9" in offline.stderr

    # the detector's cached exports beside the weights, and an export copied in by hand
    (folder / "camcount-exports" / "yolo11n-openvino-416-0123456789abcdef").mkdir(parents=True)
    (folder / "camcount-exports" / "yolo11n-onnx-640-0123456789abcdef").mkdir()
    (folder / "door_openvino_model").mkdir()
    (folder / "door_openvino_model" / "door.bin").write_bytes(b"0" * 250_000)
    listed = worker_cli("list", "--dir", str(folder))
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert ["door_openvino_model", "250", "kB", "openvino", "-"] in rows
    assert ["yolo11n.pt", "5.5", "MB", "pytorch", "onnx@640,", "openvino@416"] in rows


def test_an_export_chosen_on_disk_runs_as_it_is_and_other_files_are_refused(
        weights: bytes, tmp_path: Path) -> None:
    from ultralytics import YOLO

    from workers.detector.base import DetectorConfig
    from workers.detector.factory import create_detector
    from workers.models.check import NotAModel

    (tmp_path / "door.pt").write_bytes(weights)
    onnx = Path(YOLO(str(tmp_path / "door.pt")).export(format="onnx", imgsz=320))
    assert check_model(onnx) == "onnx, 80 classes"
    detector = create_detector(DetectorConfig(kind="yolo", model=str(onnx), backend="openvino",
                                              imgsz=320))
    assert (detector.backend, detector.export_path) == ("onnx", onnx)  # not exported again
    assert detector.model_version == "door.onnx/onnx@320"
    assert len(detector.detect(np.zeros((180, 320, 3), np.uint8)).names) == 80
    assert not (tmp_path / "camcount-exports").exists()

    (tmp_path / "notes.txt").write_text("not a model")
    (tmp_path / "empty_openvino_model").mkdir()
    for path, why in ((tmp_path / "notes.txt", "notes.txt is not a model file: choose YOLO "
                       "weights (.pt), an ONNX model (.onnx) or an OpenVINO export folder"),
                      (tmp_path / "empty_openvino_model", "is a folder but not an OpenVINO "
                       "export"),
                      (tmp_path / "gone.pt", "gone.pt does not exist")):
        with pytest.raises(NotAModel, match=re.escape(why)):
            check_model(path)

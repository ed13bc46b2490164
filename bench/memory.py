"""Memory of the processes users run, each measured from a fresh process.

    python bench/memory.py      # RabbitMQ at $CAMCOUNT_TEST_BROKER (default guest@127.0.0.1)

1. the console in local mode with the HOG detector (``camcount-desktop --self-test``: offscreen,
   workers in-process, the sample camera, until its result is on a tile and a crossing counted;
   weights pointed at a missing file, so it falls back to HOG as on a machine without them);
2. the console connected to RabbitMQ, no local workers, for 20 s (offscreen, its own settings);
3. a detector worker on OpenVINO (``yolo11n.yaml``, random weights; the export is made first in a
   process of its own and not measured) with a camera worker feeding it the sample video, for
   20 s after the model is ready;
4. the same detector worker given ``.pt`` weights (random, saved from ``yolo11n.yaml``) never
   exported before: its start exports them for OpenVINO in a child process, then runs the export;
   the row is the worker's own process (the exporting child, with torch, ends before it runs);
5. ``camcount-worker count-video`` of the sample video with ``--detector hog``.
Each row: peak RSS of the process (the kernel's high-water mark, VmHWM) and its RSS at the end,
and whether torch was ever mapped into it. Goals (issue 17): console local + HOG < 400 MB, console
on a broker < 250 MB, detector worker on OpenVINO < 600 MB (exporting first or not), all on
peak. Ends with one JSON line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BROKER = os.environ.get("CAMCOUNT_TEST_BROKER", "amqp://guest:guest@127.0.0.1/")
SAMPLE = ROOT / "resources" / "samples" / "entrance.mp4"
MODEL = "yolo11n.yaml"
HOLD_S = 20.0
MB = 1 << 20
GOALS_MB = {"console_local_hog": 400, "console_broker": 250, "detector_openvino": 600,
            "detector_openvino_export": 600}


def env(home: Path) -> dict[str, str]:
    """Children run this checkout, offscreen, with their own settings and data folders."""
    e = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen",
             XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
             XDG_CACHE_HOME=os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
             CAMCOUNT_MODEL=str(home / "no-weights-here.pt"))
    e["YOLO_CONFIG_DIR"] = str(home / "config")  # ultralytics' settings stay out of the user's
    return e


class Watched:
    """A child process whose memory is sampled until it ends or is stopped."""

    def __init__(self, args: list[str], environ: dict[str, str]) -> None:
        self.proc = subprocess.Popen(args, env=environ, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=ROOT)
        self.ps = psutil.Process(self.proc.pid)
        self.peak = self.last = 0
        self.torch = False
        # read as it comes: a child blocked on a full pipe would measure nothing
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [threading.Thread(target=lambda f=f, into=into: into.extend(f), daemon=True)
                         for f, into in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self._readers:
            t.start()

    def sample(self) -> None:
        try:
            rss = self.ps.memory_info().rss
            if rss:  # 0 once it has exited
                self.last = rss
                self.peak = max(self.peak, rss, _hwm(self.proc.pid))
            if not self.torch:
                self.torch = any("libtorch" in m.path for m in self.ps.memory_maps())
        except (psutil.NoSuchProcess, psutil.AccessDenied, FileNotFoundError, ProcessLookupError):
            pass

    def run_for(self, seconds: float, until: str | None = None) -> bool:
        """Sample for ``seconds`` (or until the process ends); with ``until``, first wait (at most
        120 s) for that text on stderr. False if it ended or never printed it."""
        if until is not None:
            deadline = time.monotonic() + 120
            while not any(until in line for line in list(self.err)):
                self.sample()
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    return False
                time.sleep(0.2)
        end = time.monotonic() + seconds
        while time.monotonic() < end and self.proc.poll() is None:
            self.sample()
            time.sleep(0.2)
        return self.proc.poll() is None

    def stop(self) -> tuple[str, str]:
        if self.proc.poll() is None:
            self.sample()
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for t in self._readers:
            t.join(10)
        return "".join(self.out), "".join(self.err)

    def row(self, ok: bool, note: str) -> dict[str, object]:
        return {"peak_mb": round(self.peak / MB), "end_mb": round(self.last / MB),
                "torch": self.torch, "ok": ok, "note": note}


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def console_local(home: Path) -> dict[str, object]:
    w = Watched([sys.executable, "-m", "camcount_desktop.app", "--self-test", "--timeout", "120"],
                env(home))
    w.run_for(180)
    out, err = w.stop()
    summary = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    ok = bool(summary.get("ok")) and summary.get("fallback") is True  # HOG, for want of weights
    return w.row(ok, f"{summary.get('detector')}, {summary.get('crossings')} crossing(s) in "
                     f"{summary.get('seconds')} s" if ok else f"self-test failed: {summary or err[-300:]}")


def console_broker(home: Path, namespace: str) -> dict[str, object]:
    w = Watched([sys.executable, "-m", "camcount_desktop.app", "--broker", BROKER,
                 "--namespace", namespace], env(home))
    alive = w.run_for(HOLD_S)
    _, err = w.stop()
    failed = [line for line in err.splitlines() if "Traceback" in line or "ERROR" in line]
    return w.row(alive and not failed, f"{HOLD_S:g} s connected, no workers"
                 if alive and not failed else f"failed: {(failed or [err[-300:]])[0]}")


def detector_openvino(home: Path, namespace: str, export: bool = False) -> dict[str, object]:
    """``export``: weights never exported before, so the worker exports them as it starts."""
    environ = env(home)
    if export:
        model = str(home / f"fresh-{uuid.uuid4().hex[:6]}.pt")
        subprocess.run([sys.executable, "-c", "import sys\nfrom ultralytics import YOLO\n"
                        f"YOLO({MODEL!r}).save(sys.argv[1])", model], env=environ, check=True,
                       cwd=ROOT, capture_output=True)
    else:
        model = MODEL
        # the export (once per model, size and ultralytics version) is not what this measures
        subprocess.run([sys.executable, "-c",
                        "from workers.detector.factory import create_detector\n"
                        "from workers.detector.base import DetectorConfig\n"
                        f"create_detector(DetectorConfig(kind='yolo', model={MODEL!r}, "
                        "backend='openvino', imgsz=640))"], env=environ, check=True, cwd=ROOT,
                       capture_output=True)
    broker = ["--broker", BROKER, "--namespace", namespace]
    camera = subprocess.Popen([sys.executable, "-m", "workers.cli", "camera", *broker, "--camera",
                               f"bench={SAMPLE}", "--loop", "--fps", "5"], env=environ,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        w = Watched([sys.executable, "-m", "workers.cli", "detector", *broker, "--model", model,
                     "--backend", "openvino", "--imgsz", "640", "--camera", "bench"], environ)
        ready = w.run_for(HOLD_S, until="YOLO ready")
        exported = any("new export" in line for line in w.err)
        _, err = w.stop()
    finally:
        camera.send_signal(signal.SIGTERM)
        camera.wait(60)
    ok = ready and exported == export
    return w.row(ok, f"{Path(model).name}/openvino@640{', exported at start' if export else ''}, "
                     f"{HOLD_S:g} s on the sample camera at 5 fps"
                 if ok else f"{'never ready' if not ready else 'export made or not as expected'}: "
                            f"{err[-300:]}")


def count_video_hog(home: Path) -> dict[str, object]:
    w = Watched([sys.executable, "-m", "workers.cli", "count-video", str(SAMPLE), "--detector",
                 "hog", "--line", "480,540,480,0", "--json"], env(home))
    w.run_for(600)
    out, err = w.stop()
    try:
        result = json.loads(out)
        ok, note = True, f"{result['count_in']} in, {result['count_out']} out"
    except (ValueError, IndexError, KeyError, TypeError):
        ok, note = False, f"failed: {err[-300:]}"
    return w.row(ok, note)


def main() -> None:
    namespace = f"bench-mem-{uuid.uuid4().hex[:8]}."
    results: dict[str, dict[str, object]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="camcount-bench-memory-") as tmp:
            home = Path(tmp)
            results["console_local_hog"] = console_local(home)
            results["console_broker"] = console_broker(home, namespace)
            results["detector_openvino"] = detector_openvino(home, namespace)
            results["detector_openvino_export"] = detector_openvino(home, namespace, export=True)
            results["count_video_hog"] = count_video_hog(home)
    finally:
        _purge(namespace)
    labels = {"console_local_hog": "console, local mode, HOG",
              "console_broker": "console on RabbitMQ, no local workers",
              "detector_openvino": "detector worker, OpenVINO",
              "detector_openvino_export": "detector worker, OpenVINO, exporting .pt",
              "count_video_hog": "count-video --detector hog"}
    print(f"{'process':<40} {'peak MB':>8} {'end MB':>7} {'torch':>6} {'goal':>7}  notes")
    for key, r in results.items():
        goal = GOALS_MB.get(key)
        verdict = "" if goal is None else ("met" if r["ok"] and r["peak_mb"] < goal else "MISSED")
        print(f"{labels[key]:<40} {r['peak_mb']:>8} {r['end_mb']:>7} {'yes' if r['torch'] else 'no':>6} "
              f"{f'<{goal}' if goal else '':>7}  {verdict} {r['note']}")
    print(json.dumps({"bench": "memory", **{f"{k}.{f}": v for k, r in results.items()
                                            for f, v in r.items() if f != "note"}}))


def _purge(namespace: str) -> None:
    code = ("import asyncio, sys\n"
            "from tests.rabbit_util import purge_namespace\n"
            "from workers.topology import Topology\n"
            "t = Topology(sys.argv[2])\n"
            "asyncio.run(purge_namespace(sys.argv[1], t, [t.frame_queue('bench').name]))")
    subprocess.run([sys.executable, "-c", code, BROKER, namespace], cwd=ROOT, check=False,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True)


if __name__ == "__main__":
    main()

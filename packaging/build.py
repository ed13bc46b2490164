"""Build a CamCount bundle with PyInstaller, then smoke-run it the way an installer would.

    python packaging/build.py console [--onefile]
    python packaging/build.py worker [--weights yolo11n.pt] [--onefile]

console: built in its own small venv ($CAMCOUNT_CONSOLE_VENV, default ~/.cache/camcount/venv-console),
  created and kept up to date here from pyproject's dependencies and ``console`` extra: no torch,
  no ultralytics, and OpenCV's headless wheel (opencv-python brings a second Qt). Smoke run:
  ``--version``, then ``--self-test`` offscreen (local mode, sample video, HOG fallback).
worker: built in the workers' venv ($CAMCOUNT_VENV, default ~/.cache/camcount/venv, made by
  ``scripts/bootstrap.sh all,dev``). Checks the MQTT and metrics libraries are inside. Smoke run:
  ``--version``, ``db upgrade`` on a new SQLite file, ``mqtt --help``, the analytics worker with
  its counts API and ``/metrics`` answering over HTTP,
  ``count-video`` of a generated clip with HOG (counts must be exact) and with YOLO (the bundled
  weights, else a model built from ultralytics' yolo11n.yaml, on the default OpenVINO backend).

Smoke runs start from an empty folder with a fresh HOME, and on Linux, where ``unshare`` may make a
mount namespace, with the checkout's sources and the build venv hidden under empty mounts, so a
bundle that still reads anything from them fails. Prints a table, then one line of JSON. Exit 0 when
built and every smoke step passed, 1 when a step failed, 3 when the build venv cannot be had.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "camcount"
BIN = "Scripts" if sys.platform == "win32" else "bin"
EXE = ".exe" if sys.platform == "win32" else ""
NAMES = {"console": "camcount-desktop", "worker": "camcount-worker"}
#: packages the console bundle must not contain
HEAVY = ("torch", "torchvision", "ultralytics", "openvino", "onnxruntime")
#: packages the worker bundle must contain beyond what its smoke runs load (the MQTT bridge)
WORKER_NEEDS = ("aiomqtt", "paho", "prometheus_client")


class NoBuildVenv(Exception):
    """The venv to build in cannot be created or lacks PyInstaller: exit status 3."""


def venv_python(venv: Path) -> Path:
    return venv / BIN / f"python{EXE}"


def console_requirements() -> list[str]:
    """pyproject's dependencies and console extra, PyInstaller, OpenCV headless."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    extras = project["optional-dependencies"]
    reqs = project["dependencies"] + extras["console"]
    reqs += [r for r in extras["dev"] if r.lower().startswith("pyinstaller")]
    return [re.sub(r"^opencv-python(?=[<>=!~;\s]|$)", "opencv-python-headless", r) for r in reqs]


def ensure_console_venv(venv: Path) -> Path:
    """Create or update the console's build venv; reinstall only when the requirements change."""
    reqs = console_requirements()
    constraints = ROOT / "scripts" / "constraints.txt"
    stamp = venv / ".camcount-console-deps"
    digest = hashlib.sha256("\n".join(reqs + [constraints.read_text()]).encode()).hexdigest()[:16]
    python = venv_python(venv)
    try:
        if not python.exists():
            print(f"build: creating the console build venv {venv}", flush=True)
            base = getattr(sys, "_base_executable", sys.executable)
            subprocess.run([base, "-m", "venv", str(venv)], check=True)
        if not stamp.exists() or stamp.read_text().strip() != digest:
            print(f"build: installing the console's requirements into {venv}", flush=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "-c", str(constraints), *reqs],
                           check=True)
            stamp.write_text(digest + "\n")
    except (OSError, subprocess.CalledProcessError) as exc:
        raise NoBuildVenv(f"cannot set up the console build venv {venv}: {exc}") from exc
    return python


def check_worker_venv(venv: Path) -> Path:
    python = venv_python(venv)
    probe = subprocess.run([str(python), "-c", "import PyInstaller, ultralytics"],
                           capture_output=True, text=True)
    if probe.returncode:
        raise NoBuildVenv(f"{venv} cannot build the workers (needs PyInstaller and ultralytics: "
                          f"run scripts/bootstrap.sh all,dev): {probe.stderr.strip()[-300:]}")
    return python


def run_pyinstaller(python: Path, kind: str, dist: Path, work: Path, spec_args: list[str]) -> float:
    log = work / f"{NAMES[kind]}-build.log"
    work.mkdir(parents=True, exist_ok=True)
    cmd = [str(python), "-m", "PyInstaller", str(ROOT / "packaging" / f"{NAMES[kind]}.spec"),
           "--noconfirm", "--distpath", str(dist), "--workpath", str(work)]
    if spec_args:
        cmd += ["--", *spec_args]
    print(f"build: {' '.join(cmd)}\nbuild: log in {log}", flush=True)
    started = time.monotonic()
    with log.open("w") as out:
        done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=work)
    if done.returncode:
        tail = "".join(log.read_text(errors="replace").splitlines(keepends=True)[-30:])
        raise SystemExit(f"build: PyInstaller failed (exit {done.returncode}); end of {log}:\n{tail}")
    return time.monotonic() - started


def size_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def bundled_packages(python: Path, exe: Path, folder: Path | None) -> set[str]:
    """Top-level names of every module and file in the bundle: the executable's archives (read
    with the build venv's PyInstaller) and, for a one-folder bundle, its files."""
    code = ("import json, sys\n"
            "from PyInstaller.archive.readers import CArchiveReader\n"
            "arch = CArchiveReader(sys.argv[1])\n"
            "names = list(arch.toc)\n"
            "for pyz in [n for n in names if n.endswith('.pyz')]:\n"
            "    names += list(arch.open_embedded_archive(pyz).toc)\n"
            "print(json.dumps(names))\n")
    names = json.loads(subprocess.run([str(python), "-c", code, str(exe)], capture_output=True,
                                      text=True, check=True).stdout)
    tops = {re.split(r"[./\\]", n)[0] for n in names}
    if folder is not None:
        internal = folder / "_internal"
        tops |= {p.name for p in (internal if internal.is_dir() else folder).iterdir()}
    return tops


# -- smoke runs ----------------------------------------------------------------------------------

def hiding_prefix(hide: list[Path]) -> list[str]:
    """A command prefix that runs its command with the folders ``hide`` covered by empty mounts,
    in a private mount namespace (nobody else sees them hidden); [] where that is not allowed."""
    hide = [p for p in hide if p.is_dir()]
    if not sys.platform.startswith("linux") or not hide:
        return []
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    prefix = ["unshare", "--mount", "--propagation", "private", *user, "sh", "-c",
              'while [ "$1" != -- ]; do mount -t tmpfs hidden "$1" || exit 97; shift; done; '
              'shift; exec "$@"', "sh", *map(str, hide), "--"]
    try:
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return prefix if probe.returncode == 0 else []


class Smoke:
    """Runs the bundle from an empty folder, with a fresh HOME, sources hidden where possible."""

    def __init__(self, exe: Path, tmp: Path, hide: list[Path]):
        self.exe, self.tmp = exe, tmp
        home = tmp / "home"
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("PYTHON", "VIRTUAL_ENV", "CAMCOUNT_", "XDG_", "QT_"))}
        self.env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                        XDG_DATA_HOME=str(home / ".local/share"), XDG_CACHE_HOME=str(home / ".cache"),
                        QT_QPA_PLATFORM="offscreen")
        self.prefix = hiding_prefix(hide)
        self.steps: list[dict] = []

    @property
    def sources_hidden(self) -> bool:
        return bool(self.prefix)

    def run(self, name: str, args: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        try:
            done = subprocess.run(self.prefix + [str(self.exe), *args], capture_output=True, text=True,
                                  env=self.env, cwd=self.tmp, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            done = subprocess.CompletedProcess(exc.cmd, -1, "", f"timed out after {timeout:g} s")
        self.steps.append({"step": name, "ok": done.returncode == 0,
                           "seconds": round(time.monotonic() - started, 1)})
        if done.returncode:  # the JSON's "reason" first, when the command printed one
            last = (done.stdout.strip().splitlines() or [""])[-1]
            self.fail(f"exit {done.returncode}: {last} {done.stderr.strip()[-1500:]}".strip())
        return done

    def serve(self, name: str, args: list[str], urls: list[tuple[str, dict[str, str]]],
              env: dict[str, str], timeout: float = 120) -> None:
        """Start a worker, fetch each URL (with its headers) once it answers, stop the worker."""
        import urllib.request

        started = time.monotonic()
        self.steps.append({"step": name, "ok": False})
        proc = subprocess.Popen(self.prefix + [str(self.exe), *args], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env={**self.env, **env},
                                cwd=self.tmp)
        try:
            for url, headers in urls:
                while True:
                    try:
                        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                                    timeout=5) as r:
                            r.read()
                        break
                    except OSError as exc:
                        if proc.poll() is not None or time.monotonic() - started > timeout:
                            raise RuntimeError(f"{url}: {exc}") from None
                        time.sleep(0.5)
            self.steps[-1]["ok"] = True
        except RuntimeError as exc:
            proc.kill()
            self.fail(f"{exc} {proc.communicate()[0][-1500:]}")
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.communicate(timeout=60)
        self.steps[-1]["seconds"] = round(time.monotonic() - started, 1)

    def fail(self, why: str) -> None:
        self.steps[-1].update(ok=False, error=why)

    def note(self, **facts: object) -> None:
        self.steps[-1].update(facts)

    def last_json(self, done: subprocess.CompletedProcess[str]) -> dict:
        """The JSON object the command's output ends with (on one line, or indented)."""
        lines = done.stdout.rstrip().splitlines()
        for i in reversed(range(len(lines))):
            if lines[i].startswith("{"):
                try:
                    return json.loads("\n".join(lines[i:]))
                except json.JSONDecodeError:
                    continue
        self.fail(f"no JSON on stdout: {done.stdout[-500:]!r} {done.stderr[-1500:]}")
        return {}

    def check_version(self, name: str, version: str) -> None:
        done = self.run("--version", ["--version"], timeout=120)
        if done.returncode == 0 and done.stdout.strip() != f"{name} {version}":
            self.fail(f"prints {done.stdout.strip()!r}, pyproject says {version}")


def smoke_console(smoke: Smoke, version: str) -> None:
    smoke.check_version("camcount-desktop", version)
    done = smoke.run("--self-test", ["--self-test", "--log-level", "WARNING", "--timeout", "120"],
                     timeout=240)
    if done.returncode == 0:
        result = smoke.last_json(done)
        smoke.note(detector=result.get("detector"), first_result_s=result.get("seconds"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def smoke_worker(smoke: Smoke, version: str, python: Path, weights: list[Path]) -> None:
    smoke.check_version("camcount-worker", version)
    smoke.run("db upgrade", ["db", "upgrade", "--db", f"sqlite+aiosqlite:///{smoke.tmp / 'smoke.db'}"])
    smoke.run("mqtt --help", ["mqtt", "--help"])
    api, metrics, token = free_port(), free_port(), "smoke-token-0123456789"
    smoke.serve("analytics --http --metrics-port", [
        "analytics", "--broker", "local", "--db", f"sqlite+aiosqlite:///{smoke.tmp / 'smoke.db'}",
        "--http", str(api), "--metrics-port", str(metrics)], [
        (f"http://127.0.0.1:{api}/api/v1/totals?format=csv", {"Authorization": f"Bearer {token}"}),
        (f"http://127.0.0.1:{metrics}/metrics", {})], {"CAMCOUNT_API_TOKEN": token})
    clip = smoke.tmp / "street.mp4"
    # the generator cuts its walkers out of ultralytics' bus.jpg: run it from the build venv
    subprocess.run([str(python), "-m", "workers.samples", str(clip), "--people", "4", "--seed", "1"],
                   check=True, capture_output=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    truth = json.loads(clip.with_suffix(".json").read_text())
    video = smoke.tmp / truth["video"]
    line = ",".join(map(str, truth["line"]))
    done = smoke.run("count-video --detector hog", ["count-video", str(video), "--detector", "hog",
                                                    "--line", line, "--json"])
    if done.returncode == 0:
        out = smoke.last_json(done)
        counted = (out.get("count_in"), out.get("count_out"))
        expected = (truth["count_in"], truth["count_out"])
        smoke.note(counted=counted, expected=expected)
        if counted != expected:
            smoke.fail(f"counted in/out {counted}, the clip holds {expected}")
    model = [] if weights else ["--model", "yolo11n.yaml"]  # bundled weights are the default model
    done = smoke.run("count-video --detector yolo", ["count-video", str(video), "--detector", "yolo",
                                                     *model, "--line", line, "--json"], timeout=900)
    if done.returncode == 0:
        out = smoke.last_json(done)
        smoke.note(model=out.get("model_version"), counted=(out.get("count_in"), out.get("count_out")))


# -- report --------------------------------------------------------------------------------------

def report(summary: dict) -> None:
    mb = summary["size_bytes"] / 1e6
    hidden = "hidden" if summary["sources_hidden"] else "NOT hidden (unshare not allowed)"
    print(f"\n{summary['bundle']} ({'one file' if summary['onefile'] else 'one folder'}): "
          f"{summary['path']}\n  size {mb:,.0f} MB, built in {summary['build_seconds']:.0f} s; "
          f"smoke run with the sources {hidden}")
    for s in summary["steps"]:
        extra = {k: v for k, v in s.items() if k not in ("step", "ok", "seconds")}
        print(f"  {'ok  ' if s['ok'] else 'FAIL'} {s['step']:<30} {s['seconds']:>6.1f} s  "
              + "  ".join(f"{k}={v}" for k, v in extra.items()))
    print(json.dumps(summary), flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="build.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("bundle", choices=sorted(NAMES))
    p.add_argument("--onefile", action="store_true", help="one self-extracting executable")
    p.add_argument("--weights", type=Path, action="append", default=[],
                   help="YOLO weights to bundle with the worker (repeatable; the first is the default)")
    p.add_argument("--venv", type=Path, help="venv to build in (default: see above)")
    p.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default dist/)")
    p.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder")
    p.add_argument("--no-smoke", action="store_true", help="build only")
    args = p.parse_args(argv)
    if args.weights and args.bundle != "worker":
        p.error("--weights is for the worker bundle")
    name = NAMES[args.bundle]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    try:
        if args.bundle == "console":
            venv = args.venv or Path(os.environ.get("CAMCOUNT_CONSOLE_VENV") or CACHE / "venv-console")
            python = ensure_console_venv(venv)
        else:
            venv = args.venv or Path(os.environ.get("CAMCOUNT_VENV") or CACHE / "venv")
            python = check_worker_venv(venv)
    except NoBuildVenv as exc:
        print(f"build: {exc}", file=sys.stderr)
        return 3
    dist, work = args.dist.resolve(), args.work.resolve() / name
    spec_args = (["--onefile"] if args.onefile else []) + [
        a for w in args.weights for a in ("--weights", str(w.resolve()))]
    build_seconds = run_pyinstaller(python, args.bundle, dist, work, spec_args)
    path = dist / (name + EXE if args.onefile else name)
    exe = path if args.onefile else path / (name + EXE)
    summary: dict = {"bundle": name, "version": version, "onefile": args.onefile, "path": str(path),
                     "size_bytes": size_bytes(path), "build_seconds": round(build_seconds, 1),
                     "sources_hidden": False, "steps": []}
    if args.bundle == "console":
        heavy = sorted(bundled_packages(python, exe, None if args.onefile else path) & set(HEAVY))
        summary["steps"].append({"step": "no torch/ultralytics inside", "ok": not heavy, "seconds": 0.0,
                                 **({"found": heavy} if heavy else {})})
    else:
        missing = sorted(set(WORKER_NEEDS) - bundled_packages(python, exe, None if args.onefile else path))
        summary["steps"].append({"step": "MQTT and metrics libraries inside", "ok": not missing,
                                 "seconds": 0.0, **({"missing": missing} if missing else {})})
    if not args.no_smoke:
        with tempfile.TemporaryDirectory(prefix=f"{name}-smoke-") as tmp:
            smoke = Smoke(exe, Path(tmp), [ROOT / "workers", ROOT / "camcount_desktop",
                                           ROOT / "resources", venv.resolve()])
            if args.bundle == "console":
                smoke_console(smoke, version)
            else:
                smoke_worker(smoke, version, python, args.weights)
            summary["sources_hidden"] = smoke.sources_hidden
            summary["steps"] += smoke.steps
    summary["ok"] = all(s["ok"] for s in summary["steps"])
    report(summary)
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""``camcount-worker models``: fetch a model into the model folder, list what is there.

    camcount-worker models fetch yolo11n [--dir DIR] [--url BASE] [--force]
    camcount-worker models list [--dir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from workers.models.catalogue import (
    BASE_URL_ENV,
    CATALOGUE,
    DEFAULT_MODEL,
    base_url,
    entry,
    megabytes,
)
from workers.models.download import Progress


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from workers.detector.yolo import MODELS_DIR

    models = sub.add_parser("models", help="fetch YOLO models, list those on disk")
    actions = models.add_subparsers(dest="action", required=True)
    fetch = actions.add_parser(
        "fetch", help="download a model, check it loads, and keep it in the model folder",
        description="known models: " + "; ".join(
            f"{e.name} (≈ {megabytes(e.approx_bytes)}, {e.description})" for e in CATALOGUE.values()))
    fetch.add_argument("name", nargs="?", default=DEFAULT_MODEL,
                       help=f"model name (default: {DEFAULT_MODEL})")
    fetch.add_argument("--url", help=f"base URL the file is fetched from (default: ${BASE_URL_ENV}, "
                       "else the ultralytics release)")
    fetch.add_argument("--force", action="store_true", help="download again if already on disk")
    fetch.add_argument("--dir", type=Path, default=MODELS_DIR,
                       help="model folder (default: %(default)s, where the detector looks)")
    fetch.set_defaults(run=_fetch)
    listing = actions.add_parser("list", help="models on disk: size, runtimes exported")
    listing.add_argument("--dir", type=Path, default=MODELS_DIR, help="model folder "
                         "(default: %(default)s)")
    listing.set_defaults(run=_list)


async def _fetch(args: argparse.Namespace) -> int:
    from workers.i18n import cli_language, say
    from workers.models.check import check_model
    from workers.models.download import DownloadError, download

    try:
        model = entry(args.name)
    except KeyError as exc:
        print(f"camcount-worker models fetch: {exc.args[0]}", file=sys.stderr)
        return 2
    dest = args.dir / model.filename
    if dest.exists() and not args.force:
        print(f"{dest} is already on disk ({megabytes(dest.stat().st_size)}); --force fetches "
              "it again")
        return 0
    url = model.url(base_url(args.url))
    with _progress_bar(model.filename) as progress:
        try:
            said = await download(url, dest, sha256=model.sha256, progress=progress,
                                  check=check_model)
        except DownloadError as exc:
            print(f"camcount-worker models fetch: {say(exc.phrase, cli_language())}\n(or copy "
                  f"{model.filename} into {args.dir} by hand)", file=sys.stderr)
            return 1
    print(f"{dest} ({megabytes(dest.stat().st_size)}, {said})")
    return 0


async def _list(args: argparse.Namespace) -> int:
    from workers.models.listing import on_disk

    found = on_disk(args.dir)
    if not found:
        print(f"no models in {args.dir}; `camcount-worker models fetch {DEFAULT_MODEL}` gets one")
        return 0
    width = max(len(m.path.name) for m in found)
    print(f"{'model':<{width}}  {'size':>8}  {'runtime':<8}  exported for")
    for m in found:
        print(f"{m.path.name:<{width}}  {megabytes(m.size):>8}  {m.runtime:<8}  "
              f"{', '.join(m.exports) or '-'}")
    print(f"in {args.dir}")
    return 0


@contextlib.contextmanager
def _progress_bar(name: str) -> Iterator[Progress | None]:
    """A bar on a terminal (rich); nothing on a pipe or in a log, where the last line says all."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(name, total=None)

        def update(done: int, total: int | None) -> None:
            checking = total is not None and done == total
            bar.update(task, completed=done, total=total,
                       description=f"{name}: checking it loads…" if checking else name)

        yield update

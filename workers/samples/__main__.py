"""Write a synthetic people-walking video and its ground truth (OUT.json) for counting tests.

    python -m workers.samples OUT.mp4 [--people N] [--seconds S] [--fps F] [--size WxH] [--seed K]
"""

from __future__ import annotations

import argparse
import logging

from workers.samples.synth import FULL_CAST, HOG_CAST, generate


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WxH, e.g. 960x540, not {text!r}") from None
    if w < 64 or h < 128 or w % 2 or h % 2:
        raise argparse.ArgumentTypeError("size must be even and at least 64x128")
    return w, h


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m workers.samples",
                                description=__doc__.splitlines()[0])
    p.add_argument("out", help="video path (.mp4); the ground truth goes beside it as .json")
    p.add_argument("--people", type=int, default=6)
    p.add_argument("--seconds", type=float, help="video length (default: just long enough)")
    p.add_argument("--fps", type=float, default=10)
    p.add_argument("--size", type=_size, default=(960, 540), help="WxH, default 960x540")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--allow-overlap", action="store_true", help="let walkers pass each other")
    p.add_argument("--cast", nargs="+", choices=FULL_CAST, default=list(HOG_CAST),
                   help="who walks (default: only people the HOG detector finds)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    try:
        truth = generate(args.out, people=args.people, seconds=args.seconds, fps=args.fps,
                         size=args.size, seed=args.seed, allow_overlap=args.allow_overlap,
                         cast=args.cast)
    except ValueError as e:
        p.error(str(e))
    print(f"{truth.video}: {truth.width}x{truth.height}, {truth.frames} frames at {truth.fps:g} fps,"
          f" in={truth.count_in} out={truth.count_out}")


if __name__ == "__main__":
    main()

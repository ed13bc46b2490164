"""Synthetic sample videos with known people counts; see :mod:`workers.samples.synth`."""

from workers.samples.synth import (
    FULL_CAST,
    HOG_CAST,
    GroundTruth,
    Scene,
    WalkerTruth,
    generate,
    make_scene,
)

__all__ = ["FULL_CAST", "HOG_CAST", "GroundTruth", "Scene", "WalkerTruth", "generate", "make_scene"]

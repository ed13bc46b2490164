"""Writes critical.wav, the alarm of critical alerts: two falling tones, 0.7 s, 16-bit mono.
Run with any Python to make it again: ``python resources/sounds/make_chime.py``."""

import math
import struct
import wave
from pathlib import Path

RATE = 22050


def tone(freq: float, seconds: float) -> list[float]:
    n = int(RATE * seconds)
    return [math.sin(2 * math.pi * freq * i / RATE) * min(1.0, (n - i) / (0.3 * n)) for i in range(n)]


samples = tone(988.0, 0.3) + [0.0] * int(RATE * 0.05) + tone(740.0, 0.35)
with wave.open(str(Path(__file__).with_name("critical.wav")), "wb") as out:
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(RATE)
    out.writeframes(b"".join(struct.pack("<h", int(0.6 * 32767 * s)) for s in samples))

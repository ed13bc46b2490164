"""Today's counts from before this start, added to what a detector started with the console
counts: in local mode the detector starts at zero with every console start, and its tiles would
otherwise forget the day's totals. Qt-free."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from workers.contracts import DetectionResult
from workers.contracts.queries import TotalRow


@dataclass
class CountedBefore:
    """One camera's line counts stored before the detector started (kind ``line`` only: a
    camera's in/out are its line crossings)."""

    count_in: int = 0
    count_out: int = 0
    lines: dict[str, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def by_camera(cls, rows: list[TotalRow]) -> dict[str, CountedBefore]:
        lines: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        for r in rows:
            if r.kind == "line":
                counts = lines[r.camera_id][r.shape_id]
                counts[0] += r.count_in
                counts[1] += r.count_out
        return {cam: cls(sum(c[0] for c in shapes.values()), sum(c[1] for c in shapes.values()),
                         {sid: (c[0], c[1]) for sid, c in shapes.items()})
                for cam, shapes in lines.items()}

    def added_to(self, result: DetectionResult) -> DetectionResult:
        c = result.counting_data
        lines = {sid: lc.model_copy(update={"count_in": lc.count_in + self.lines.get(sid, (0, 0))[0],
                                            "count_out": lc.count_out + self.lines.get(sid, (0, 0))[1]})
                 for sid, lc in c.lines.items()}
        count_in, count_out = c.count_in + self.count_in, c.count_out + self.count_out
        return result.model_copy(update={"counting_data": c.model_copy(update={
            "count_in": count_in, "count_out": count_out, "total_count": count_in - count_out,
            "lines": lines})})

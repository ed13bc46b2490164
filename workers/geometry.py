"""Plane geometry in image coordinates (x right, y down), shared by zone validation and counting.

Sides are given as seen on screen: for a directed segment P1→P2, a point is on its *right* when
``side() > 0``. With y pointing down that is the sign of the usual 2-D cross product.
"""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[float, float]

EPS = 1e-9


def cross(o: Point, a: Point, b: Point) -> float:
    """Cross product of OA × OB; positive when B is right of O→A on screen (y down)."""
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def side(p1: Point, p2: Point, p: Point) -> int:
    """+1 right of P1→P2 as seen on screen, -1 left, 0 on the infinite line."""
    c = cross(p1, p2, p)
    return 1 if c > EPS else -1 if c < -EPS else 0


def _on_segment(a: Point, b: Point, p: Point) -> bool:
    return (
        min(a[0], b[0]) - EPS <= p[0] <= max(a[0], b[0]) + EPS
        and min(a[1], b[1]) - EPS <= p[1] <= max(a[1], b[1]) + EPS
    )


def segments_intersect(a1: Point, a2: Point, b1: Point, b2: Point) -> bool:
    """True when closed segments A and B share at least one point."""
    d1, d2 = side(b1, b2, a1), side(b1, b2, a2)
    d3, d4 = side(a1, a2, b1), side(a1, a2, b2)
    if d1 * d2 < 0 and d3 * d4 < 0:
        return True
    return (
        (d1 == 0 and _on_segment(b1, b2, a1))
        or (d2 == 0 and _on_segment(b1, b2, a2))
        or (d3 == 0 and _on_segment(a1, a2, b1))
        or (d4 == 0 and _on_segment(a1, a2, b2))
    )


def self_intersection(poly: Sequence[Point]) -> tuple[int, int] | None:
    """Indices of the first two non-adjacent edges that touch, or None for a simple polygon."""
    n = len(poly)
    edges = [(poly[i], poly[(i + 1) % n]) for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue  # neighbours share a vertex by construction
            if segments_intersect(*edges[i], *edges[j]):
                return i, j
    return None


def polygon_area(poly: Sequence[Point]) -> float:
    n = len(poly)
    return abs(sum(poly[i][0] * poly[(i + 1) % n][1] - poly[(i + 1) % n][0] * poly[i][1]
                   for i in range(n))) / 2.0


def point_in_polygon(p: Point, poly: Sequence[Point]) -> bool:
    """Even-odd rule; points on an edge count as inside."""
    x, y = p
    inside = False
    n = len(poly)
    for i in range(n):
        a, b = poly[i], poly[(i + 1) % n]
        if side(a, b, p) == 0 and _on_segment(a, b, p):
            return True
        if (a[1] > y) != (b[1] > y):
            x_at = a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
            if x < x_at:
                inside = not inside
    return inside

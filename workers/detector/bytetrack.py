"""ByteTrack (Zhang et al. 2022) exactly as ultralytics 8.4 runs it, without importing ultralytics.

Ultralytics' trackers cannot be imported without torch (``ultralytics.utils`` imports it), and
torch costs ~650 MB of memory: the console's HOG fallback must not load it just to track. This is
ultralytics' ``trackers/byte_tracker.py`` with the helpers it uses (``basetrack.py``,
``utils/kalman_filter.py``, ``utils/matching.py``, ``utils/stracks.py``; AGPL-3.0, like CamCount),
reduced to axis-aligned boxes: no oriented boxes, no camera-motion compensation, no ReID (BoT-SORT
keeps ultralytics' own code). The arithmetic is unchanged, so the tracks are the same:
``tests/unit/test_bytetrack.py`` feeds this and ultralytics' ``BYTETracker`` the same detections
and compares every output row, with the stock settings and with CamCount's.
"""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any

import lap
import numpy as np

TRACKED, LOST, REMOVED = 1, 2, 3

#: ultralytics/cfg/trackers/bytetrack.yaml
STOCK_SETTINGS = SimpleNamespace(track_high_thresh=0.25, track_low_thresh=0.1, new_track_thresh=0.25,
                                 track_buffer=30, match_thresh=0.8, fuse_score=True)


class KalmanFilterXYAH:
    """Constant-velocity Kalman filter over (center x, center y, aspect, height) and their speeds."""

    def __init__(self) -> None:
        ndim, dt = 4, 1.0
        self._motion_mat = np.eye(2 * ndim, 2 * ndim)
        for i in range(ndim):
            self._motion_mat[i, ndim + i] = dt
        self._std_weight_position = 1.0 / 20
        self._std_weight_velocity = 1.0 / 160

    def initiate(self, measurement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        measurement = np.asarray(measurement, dtype=np.float64)
        mean = np.r_[measurement, np.zeros_like(measurement)]
        h, p, v = measurement[3], self._std_weight_position, self._std_weight_velocity
        std = [2 * p * h, 2 * p * h, 1e-2, 2 * p * h, 10 * v * h, 10 * v * h, 1e-5, 10 * v * h]
        return mean, np.diag(np.square(std))

    def project(self, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = self._std_weight_position
        innovation_cov = np.diag(np.square([p * mean[3], p * mean[3], 1e-1, p * mean[3]]))
        return mean[:4].copy(), covariance[:4, :4] + innovation_cov

    def multi_predict(self, mean: np.ndarray, covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, p, v = mean[:, 3], self._std_weight_position, self._std_weight_velocity
        std_pos = [p * h, p * h, 1e-2 * np.ones_like(h), p * h]
        std_vel = [v * h, v * h, 1e-5 * np.ones_like(h), v * h]
        sqr = np.square(np.r_[std_pos, std_vel]).T
        motion_cov = np.zeros((sqr.shape[0], 8, 8))
        motion_cov[:, range(8), range(8)] = sqr
        mean = np.dot(mean, self._motion_mat.T)
        left = np.dot(self._motion_mat, covariance).transpose((1, 0, 2))
        return mean, np.dot(left, self._motion_mat.T) + motion_cov

    def update(self, mean: np.ndarray, covariance: np.ndarray,
               measurement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        projected_mean, projected_cov = self.project(mean, covariance)
        kalman_gain = np.linalg.solve(projected_cov, covariance[:, :4].T).T
        new_mean = mean + np.dot(measurement - projected_mean, kalman_gain.T)
        new_covariance = covariance - np.linalg.multi_dot((kalman_gain, projected_cov, kalman_gain.T))
        return new_mean, new_covariance


class STrack:
    """One tracklet: a Kalman state, its id, score, class and the detection index it last matched."""

    shared_kalman = KalmanFilterXYAH()

    def __init__(self, xywh: np.ndarray, score: float, cls: Any) -> None:
        self.track_id = 0
        self.is_activated = False
        self.state = 0  # new
        self.start_frame = self.frame_id = 0
        tlwh = np.copy(xywh[:4])
        tlwh[..., 0] = xywh[..., 0] - xywh[..., 2] / 2
        tlwh[..., 1] = xywh[..., 1] - xywh[..., 3] / 2
        self._tlwh = np.asarray(tlwh, dtype=np.float32)
        self.kalman_filter: KalmanFilterXYAH | None = None
        self.mean: np.ndarray | None = None
        self.covariance: np.ndarray | None = None
        self.score = score
        self.tracklet_len = 0
        self.cls = cls
        self.idx = xywh[-1]
        self.next_id: Any = None

    @staticmethod
    def multi_predict(stracks: list[STrack]) -> None:
        if not stracks:
            return
        multi_mean = np.asarray([st.mean for st in stracks])
        multi_covariance = np.asarray([st.covariance for st in stracks])
        for i, st in enumerate(stracks):
            if st.state != TRACKED:
                multi_mean[i][7] = 0
        multi_mean, multi_covariance = STrack.shared_kalman.multi_predict(multi_mean, multi_covariance)
        for st, mean, cov in zip(stracks, multi_mean, multi_covariance, strict=True):
            st.mean, st.covariance = mean, cov

    def activate(self, kalman_filter: KalmanFilterXYAH, frame_id: int) -> None:
        self.kalman_filter = kalman_filter
        self.track_id = self.next_id()
        self.mean, self.covariance = kalman_filter.initiate(self.tlwh_to_xyah(self._tlwh))
        self.tracklet_len = 0
        self.state = TRACKED
        if frame_id == 1:
            self.is_activated = True
        self.frame_id = self.start_frame = frame_id

    def re_activate(self, new_track: STrack, frame_id: int) -> None:
        self.mean, self.covariance = self.kalman_filter.update(
            self.mean, self.covariance, self.tlwh_to_xyah(new_track.tlwh))
        self.tracklet_len = 0
        self.state = TRACKED
        self.is_activated = True
        self.frame_id = frame_id
        self.score, self.cls, self.idx = new_track.score, new_track.cls, new_track.idx

    def update(self, new_track: STrack, frame_id: int) -> None:
        self.frame_id = frame_id
        self.tracklet_len += 1
        self.mean, self.covariance = self.kalman_filter.update(
            self.mean, self.covariance, self.tlwh_to_xyah(new_track.tlwh))
        self.state = TRACKED
        self.is_activated = True
        self.score, self.cls, self.idx = new_track.score, new_track.cls, new_track.idx

    @property
    def tlwh(self) -> np.ndarray:
        if self.mean is None:
            return self._tlwh.copy()
        ret = self.mean[:4].copy()
        ret[2] *= ret[3]
        ret[:2] -= ret[2:] / 2
        return ret

    @property
    def xyxy(self) -> np.ndarray:
        ret = self.tlwh
        ret[2:] += ret[:2]
        return ret

    @staticmethod
    def tlwh_to_xyah(tlwh: np.ndarray) -> np.ndarray:
        ret = np.asarray(tlwh).copy()
        ret[:2] += ret[2:] / 2
        ret[2] /= ret[3]
        return ret

    @property
    def result(self) -> list[float]:
        return [*self.xyxy.tolist(), self.track_id, self.score, self.cls, self.idx]


def linear_assignment(cost_matrix: np.ndarray, thresh: float) -> tuple[Any, Any, Any]:
    if cost_matrix.size == 0:
        return (np.empty((0, 2), dtype=int), tuple(range(cost_matrix.shape[0])),
                tuple(range(cost_matrix.shape[1])))
    _, x, y = lap.lapjv(cost_matrix, extend_cost=True, cost_limit=thresh)
    matches = [[ix, mx] for ix, mx in enumerate(x) if mx >= 0]
    return matches, np.where(x < 0)[0], np.where(y < 0)[0]


def iou_distance(atracks: list[Any], btracks: list[Any]) -> np.ndarray:
    """1 - IoU of two lists of tracks (or of xyxy boxes)."""
    if (atracks and isinstance(atracks[0], np.ndarray)) or (btracks and isinstance(btracks[0], np.ndarray)):
        a, b = atracks, btracks
    else:
        a, b = [t.xyxy for t in atracks], [t.xyxy for t in btracks]
    ious = np.zeros((len(a), len(b)), dtype=np.float32)
    if len(a) and len(b):
        box1 = np.ascontiguousarray(a, dtype=np.float32)
        box2 = np.ascontiguousarray(b, dtype=np.float32)
        b1_x1, b1_y1, b1_x2, b1_y2 = box1.T
        b2_x1, b2_y1, b2_x2, b2_y2 = box2.T
        inter = ((np.minimum(b1_x2[:, None], b2_x2) - np.maximum(b1_x1[:, None], b2_x1)).clip(0)
                 * (np.minimum(b1_y2[:, None], b2_y2) - np.maximum(b1_y1[:, None], b2_y1)).clip(0))
        area = (b2_x2 - b2_x1) * (b2_y2 - b2_y1)
        area = area + ((b1_x2 - b1_x1) * (b1_y2 - b1_y1))[:, None] - inter
        ious = inter / (area + 1e-7)
    return 1 - ious


def fuse_score(cost_matrix: np.ndarray, detections: list[STrack]) -> np.ndarray:
    if cost_matrix.size == 0:
        return cost_matrix
    scores = np.array([d.score for d in detections])[None].repeat(cost_matrix.shape[0], axis=0)
    return 1 - (1 - cost_matrix) * scores


def joint_stracks(atracks: list[STrack], btracks: list[STrack]) -> list[STrack]:
    a_ids = {t.track_id for t in atracks}
    return atracks + [t for t in btracks if t.track_id not in a_ids]


def sub_stracks(atracks: list[STrack], btracks: list[STrack]) -> list[STrack]:
    b_ids = {t.track_id for t in btracks}
    return [t for t in atracks if t.track_id not in b_ids]


def remove_duplicate_stracks(atracks: list[STrack], btracks: list[STrack],
                             dup_thresh: float = 0.15) -> tuple[list[STrack], list[STrack]]:
    """Of two tracks on one object (IoU > 0.85), drop the younger."""
    pdist = iou_distance(atracks, btracks)
    dupa, dupb = set(), set()
    for p, q in zip(*np.where(pdist < dup_thresh), strict=True):
        timep = atracks[p].frame_id - atracks[p].start_frame
        timeq = btracks[q].frame_id - btracks[q].start_frame
        if timep > timeq:
            dupb.add(q)
        else:
            dupa.add(p)
    return ([t for i, t in enumerate(atracks) if i not in dupa],
            [t for i, t in enumerate(btracks) if i not in dupb])


class BYTETracker:
    """``update(boxes)`` with ``boxes`` exposing numpy ``conf``, ``cls`` and ``xywh`` and boolean
    indexing; returns rows ``[x1, y1, x2, y2, track_id, score, cls, detection index]``."""

    def __init__(self, args: Any = STOCK_SETTINGS) -> None:
        self.tracked_stracks: list[STrack] = []
        self.lost_stracks: list[STrack] = []
        self.removed_stracks: list[STrack] = []
        self.frame_id = 0
        self.args = args
        self.max_frames_lost = args.track_buffer
        self.kalman_filter = KalmanFilterXYAH()
        self._ids = iter(range(1, sys.maxsize))

    def update(self, results: Any, img: np.ndarray | None = None) -> np.ndarray:
        self.frame_id += 1
        activated: list[STrack] = []
        refind: list[STrack] = []
        lost: list[STrack] = []
        removed: list[STrack] = []

        scores = results.conf
        wh = results.xywh[:, 2:4]
        valid = (wh[:, 0] > 0) & (wh[:, 1] > 0)  # a zero height would give an infinite Kalman mean
        mask_high = valid & (scores >= self.args.track_high_thresh)
        mask_low = valid & (scores > self.args.track_low_thresh) & (scores < self.args.track_high_thresh)
        detections = self.init_track(results[mask_high])
        detections_second = self.init_track(results[mask_low])
        for tracks, mask in ((detections, mask_high), (detections_second, mask_low)):
            for track, i in zip(tracks, np.flatnonzero(mask), strict=True):
                track.idx = i
                track.next_id = self._ids.__next__

        unconfirmed = [t for t in self.tracked_stracks if not t.is_activated]
        tracked = [t for t in self.tracked_stracks if t.is_activated]
        strack_pool = joint_stracks(tracked, self.lost_stracks)
        STrack.multi_predict(strack_pool)

        # first association: every track with the high-score detections
        matches, u_track, u_detection = linear_assignment(
            self.get_dists(strack_pool, detections), thresh=self.args.match_thresh)
        for it, idet in matches:
            self._apply_match(strack_pool[it], detections[idet], activated, refind)

        # second: the tracks still tracked with the low-score detections, on IoU alone
        r_tracked = [strack_pool[i] for i in u_track if strack_pool[i].state == TRACKED]
        if r_tracked and detections_second:
            matches, u_track, _ = linear_assignment(iou_distance(r_tracked, detections_second), thresh=0.5)
            for it, idet in matches:
                self._apply_match(r_tracked[it], detections_second[idet], activated, refind)
        else:
            u_track = list(range(len(r_tracked)))
        for it in u_track:
            r_tracked[it].state = LOST
            lost.append(r_tracked[it])

        # tracks seen on one frame only, with what is left of the high-score detections
        detections = [detections[i] for i in u_detection]
        if unconfirmed:
            matches, u_unconfirmed, u_detection = linear_assignment(
                self.get_dists(unconfirmed, detections), thresh=0.7)
            for it, idet in matches:
                unconfirmed[it].update(detections[idet], self.frame_id)
                activated.append(unconfirmed[it])
            for it in u_unconfirmed:
                unconfirmed[it].state = REMOVED
                removed.append(unconfirmed[it])
        else:
            u_detection = list(range(len(detections)))

        for inew in u_detection:
            track = detections[inew]
            if track.score >= self.args.new_track_thresh:
                track.activate(self.kalman_filter, self.frame_id)
                activated.append(track)
        for track in self.lost_stracks:
            if self.frame_id - track.frame_id > self.max_frames_lost:
                track.state = REMOVED
                removed.append(track)

        self.tracked_stracks = [t for t in self.tracked_stracks if t.state == TRACKED]
        self.tracked_stracks = joint_stracks(self.tracked_stracks, activated)
        self.tracked_stracks = joint_stracks(self.tracked_stracks, refind)
        self.lost_stracks = sub_stracks(self.lost_stracks, self.tracked_stracks)
        self.lost_stracks.extend(lost)
        self.lost_stracks = sub_stracks(self.lost_stracks, self.removed_stracks)
        self.tracked_stracks, self.lost_stracks = remove_duplicate_stracks(
            self.tracked_stracks, self.lost_stracks)
        self.removed_stracks.extend(removed)
        if len(self.removed_stracks) > 1000:
            self.removed_stracks = self.removed_stracks[-1000:]
        return np.asarray([t.result for t in self.tracked_stracks if t.is_activated], dtype=np.float32)

    def _apply_match(self, track: STrack, det: STrack, activated: list[STrack],
                     refind: list[STrack]) -> None:
        if track.state == TRACKED:
            track.update(det, self.frame_id)
            activated.append(track)
        else:
            track.re_activate(det, self.frame_id)
            refind.append(track)

    def init_track(self, results: Any) -> list[STrack]:
        if len(results) == 0:
            return []
        bboxes = np.concatenate([results.xywh, np.arange(len(results.xywh)).reshape(-1, 1)], axis=-1)
        return [STrack(xywh, s, c) for xywh, s, c in zip(bboxes, results.conf, results.cls, strict=True)]

    def get_dists(self, tracks: list[STrack], detections: list[STrack]) -> np.ndarray:
        dists = iou_distance(tracks, detections)
        return fuse_score(dists, detections) if self.args.fuse_score else dists

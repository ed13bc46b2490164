"""``obscure``: nothing of the picture as taken survives inside a person's box or a mask."""

from __future__ import annotations

import numpy as np
import pytest

from workers.privacy import PrivacySettings, from_env, obscure


def detailed(h: int = 360, w: int = 640) -> np.ndarray:
    """Noise: every pixel differs from its neighbours, as a face's detail does."""
    return np.random.default_rng(7).integers(0, 256, (h, w, 3), np.uint8)


def block_uniform(region: np.ndarray, block: int) -> bool:
    """Every ``block`` x ``block`` square from the region's corner is a single colour."""
    h, w = region.shape[:2]
    for y in range(0, h, block):
        for x in range(0, w, block):
            cell = region[y:y + block, x:x + block].reshape(-1, 3)
            if (cell != cell[0]).any():
                return False
    return True


def test_inside_a_box_every_pixel_is_its_block_mean_and_outside_nothing_changes() -> None:
    frame = detailed()
    before = frame.copy()
    out = obscure(frame, [(100.0, 50.0, 180.0, 250.0)])
    assert np.array_equal(frame, before)  # the input is left alone
    # the widened box (8 % each side): x 93..187, y 34..266; blocks of max(94, 232) / 10 = 23 px
    inside = out[34:266, 93:187]
    assert block_uniform(inside, 23)
    # nothing of the original detail is left: pixels equal to the original only by chance
    assert (inside == before[34:266, 93:187]).all(axis=2).mean() < 0.01
    outside = np.ones(out.shape[:2], bool)
    outside[34:266, 93:187] = False
    assert np.array_equal(out[outside], before[outside])


def test_blur_style_leaves_no_detail_in_the_box() -> None:
    frame = detailed()
    out = obscure(frame, [(100.0, 50.0, 180.0, 250.0)], settings=PrivacySettings("blur", "blur"))
    inside, orig = out[60:240, 110:170].astype(float), frame[60:240, 110:170].astype(float)
    # neighbouring pixels barely differ any more (noise differs by ~85 on average)
    assert np.abs(np.diff(inside, axis=1)).mean() < 0.05 * np.abs(np.diff(orig, axis=1)).mean()


def test_a_mask_is_filled_and_outside_zones_is_pixelated() -> None:
    frame = detailed()
    zone = [(300.0, 100.0), (600.0, 100.0), (600.0, 340.0), (300.0, 340.0)]
    mask = [(10.0, 10.0), (60.0, 10.0), (60.0, 60.0), (10.0, 60.0)]
    out = obscure(frame, [], [mask], PrivacySettings("blur", outside_zones=True), [zone])
    assert (out[12:58, 12:58] == (64, 64, 64)).all()
    assert np.array_equal(out[110:330, 310:590], frame[110:330, 310:590])  # inside the zone
    assert block_uniform(out[80:96, 80:96], 16)  # outside: 640 / 40 = 16 px blocks from (0, 0)
    assert not np.array_equal(out[80:96, 80:96], frame[80:96, 80:96])


def test_strict_leaves_no_detail_anywhere_so_a_missed_person_is_hidden_too() -> None:
    frame = detailed()
    # no box: the detector missed everyone; the mask is still filled over the blocks
    mask = [(10.0, 10.0), (60.0, 10.0), (60.0, 60.0), (10.0, 60.0)]
    out = obscure(frame, [], [mask], PrivacySettings("strict"))
    # 640 / 40 = 16 px blocks from (0, 0), everywhere away from the mask
    assert block_uniform(out[:, 64:], 16)
    assert (out == frame).all(axis=2).mean() < 0.01
    assert (out[12:58, 12:58] == (64, 64, 64)).all()
    # a person found is hidden coarser still, on top
    found = obscure(frame, [(100.0, 50.0, 180.0, 250.0)], settings=PrivacySettings("strict"))
    assert block_uniform(found[34:266, 93:187], 23)


def test_a_box_partly_outside_the_frame_is_clipped() -> None:
    out = obscure(detailed(), [(-30.0, 300.0, 40.0, 420.0)])
    assert out.shape == (360, 640, 3)


def test_the_site_setting_from_the_environment() -> None:
    assert from_env({}).mode == "off" and not from_env({}).on
    s = from_env({"CAMCOUNT_PRIVACY": "strict", "CAMCOUNT_PRIVACY_STYLE": "blur",
                  "CAMCOUNT_PRIVACY_OUTSIDE_ZONES": "1"})
    assert (s.mode, s.style, s.outside_zones, s.on) == ("strict", "blur", True, True)
    with pytest.raises(ValueError, match="expected one of off, blur, strict"):
        from_env({"CAMCOUNT_PRIVACY": "faces"})


def test_the_zone_editor_keeps_privacy_masks_on_save_and_import() -> None:
    from camcount_desktop.admin.zone_draft import ZoneDraft
    from workers.contracts import MaskDef, ZoneSet

    mask = MaskDef(id="window", points=[(0, 0), (120, 0), (120, 80), (0, 80)])
    draft = ZoneDraft(ZoneSet(camera_id="door", frame_width=960, frame_height=540,
                              privacy_masks=[mask]))
    assert draft.zone_set(2).privacy_masks == [mask]
    other = ZoneSet(camera_id="x", frame_width=480, frame_height=270,
                    privacy_masks=[mask.model_copy(update={"id": "door-2", "points": [
                        (0, 0), (60, 0), (60, 40), (0, 40)]})])
    draft.import_json(other.model_dump_json())
    assert draft.zone_set(2).privacy_masks[0].points == [(0, 0), (120, 0), (120, 80), (0, 80)]
    # a zone set saved before masks existed reads as having none
    assert ZoneSet.model_validate({"camera_id": "d", "frame_width": 9, "frame_height": 9}
                                  ).privacy_masks == []

"""Screenshot of the running console for docs/console.md: a 2x2 wall in local mode.

    Xvfb :99 -screen 0 1600x1000x24 &  DISPLAY=:99 python docs/screenshots/capture.py [LANG]

LANG (vi, ru, ko) takes the console in that language, with the cameras, lines and zones named as
a site there would name them, into ``wall-LANG.png``.

Three cameras play the bundled sample video with its counting line and zone; the fourth points
at a file that does not exist, to show the NO SIGNAL state. Local mode's sample alert rule fills
the alerts panel. Taken once the Entrance camera has counted two crossings, has raised its alert,
and shows a detection box with its track id.
"""

from __future__ import annotations

import sys

from shots import HERE, grab, local_window, poll, run

from camcount_desktop import local_mode
from camcount_desktop.local_mode import sample_camera, sample_zones

#: camera, group, line and zone names as a site in each language names them
NAMES = {
    "en": ("Entrance", "Lobby", "Stairs", "Loading dock", "Ground floor", "First floor", "Outside",
           "Entrance", "Left half"),
    "vi": ("Cổng chính", "Sảnh", "Cầu thang", "Bãi bốc hàng", "Tầng trệt", "Tầng 1", "Bên ngoài",
           "Lối vào", "Nửa trái"),
    "ru": ("Вход", "Холл", "Лестница", "Погрузка", "Первый этаж", "Второй этаж", "Снаружи",
           "Вход", "Левая половина"),
    "ko": ("정문", "로비", "계단", "하역장", "1층", "2층", "외부", "출입구", "왼쪽 절반"),
}


#: the sample rules' names, as the site's admin would write them
RULE_NAMES = {"vi": ("Mẫu: có người ở nửa trái 1,5 giây", "Camera mất kết nối"),
              "ru": ("Пример: кто-то в левой половине 1,5 с", "Камера не в сети"),
              "ko": ("샘플: 왼쪽 절반에 1.5초 이상 사람 있음", "카메라 오프라인")}


def site_in(lang: str) -> None:
    """The site's language (its alerts and emails) set to ``lang``, its rules named in it."""
    config = local_mode.sample_alerting()
    names = RULE_NAMES.get(lang, [r.name for r in config.rules])
    config = config.model_copy(update={"language": lang, "rules": [
        r.model_copy(update={"name": n}) for r, n in zip(config.rules, names, strict=True)]})
    local_mode.user_or_sample_alerting = lambda: config


async def capture(lang: str) -> None:
    site_in(lang)
    entrance, lobby, stairs, dock, ground, first, outside, line, zone = NAMES[lang]
    base, zones = sample_camera(), sample_zones()
    zones = zones.model_copy(update={
        "lines": [zones.lines[0].model_copy(update={"name": line})],
        "zones": [zones.zones[0].model_copy(update={"name": zone})]})
    cameras = [base.model_copy(update={"camera_id": cid, "name": name, "group": group})
               for cid, name, group in (("entrance", entrance, ground),
                                        ("lobby", lobby, ground),
                                        ("stairs", stairs, first))]
    cameras.append(base.model_copy(update={"camera_id": "loading-dock", "name": dock,
                                           "group": outside, "source": "/nonexistent/dock.mp4"}))
    out = HERE / ("wall.png" if lang == "en" else f"wall-{lang}.png")
    async with local_window(1600, 1000, local_cameras=cameras, local_zones=[
            zones.model_copy(update={"camera_id": c.camera_id}) for c in cameras[:3]]) as (
            console, window):
        window.tabs.setCurrentIndex(0)

        def ready() -> bool:
            shown = console.wall.state("entrance").shown
            r = shown.result if shown else None
            return (r is not None and r.counting_data.count_in + r.counting_data.count_out >= 2
                    and bool(r.detection_results.detections) and bool(console.alerts.newest_first()))

        await poll(ready, "two crossings, an alert and a box on the sample", 180)
        grab(window, out)


if __name__ == "__main__":
    language = sys.argv[1] if len(sys.argv) > 1 else "en"
    run(lambda: capture(language), language)

"""Reports in the site's language: the admin sets it in the site settings, the analytics worker
reads it from the stored settings and writes the PDF with the bundled font."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.analytics.test_reports import follow, request, seed, until_finished
from tests.helpers.analytics import WorkerFactory
from workers.alerting import store as alerting_store
from workers.bus import Bus
from workers.contracts.alerting import AlertingConfig
from workers.storage import Database

#: what a reader of each language finds in the daily summary of tests/analytics/test_reports.py
EXPECTED = {
    "en": ["CamCount - Daily summary", "Lines: 3 in, 1 out. Zones: 2 entries, 1 exits.",
           "Mean dwell (s)", "No counts in this period."],
    "vi": ["CamCount - Báo cáo ngày",
           "Vạch: 3 lượt vào, 1 lượt ra. Vùng: 2 lượt vào, 1 lượt ra.",
           "Thời gian lưu lại TB (giây)", "Không có số đếm nào trong khoảng thời gian này.",
           "Tất cả vạch", "Lượt qua vạch theo giờ"],
    "ru": ["CamCount - Сводка за день", "Линии: вход 3, выход 1. Зоны: входов 2, выходов 1.",
           "Среднее время пребывания (с)", "За этот период ничего не подсчитано.", "Все линии",
           "Пересечения линий по часам"],
    "ko": ["CamCount - 일간 요약", "라인: 입장 3, 퇴장 1. 구역: 입장 2, 퇴장 1.",
           "평균 체류 시간(초)", "이 기간에는 집계된 수가 없습니다.", "모든 라인", "시간별 라인 통과"],
}


def pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)  # a long heading may wrap


def embedded_fonts(path: Path) -> set[str]:
    fonts = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


@pytest.mark.parametrize("lang", list(EXPECTED))
async def test_a_report_is_written_in_the_sites_language(
        lang: str, inprocess_bus: Bus, tmp_path: Path, start_worker: WorkerFactory) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'camcount.db'}"
    await seed(db_url)
    db = Database(db_url)
    await alerting_store.load_or_seed(db, AlertingConfig(language=lang), by="admin")
    await db.dispose()
    await start_worker(inprocess_bus, db_url)
    progress = await follow(inprocess_bus)
    req = request()
    await inprocess_bus.publish(inprocess_bus.topology.analytics_jobs,
                                "analytics.report.daily_summary", req)

    steps = await until_finished(progress, req.report_id)
    assert steps[-1].state == "done", steps[-1].detail
    path = Path(steps[-1].path or "")
    text = pdf_text(path)
    for words in EXPECTED[lang]:
        assert words in text, f"{words!r} not in the {lang} report: {text[:400]}"
    # the glyphs come from the font inside the PDF, not from the reader's system
    assert any("CamCountSans" in name for name in embedded_fonts(path))

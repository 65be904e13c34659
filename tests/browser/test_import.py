"""The importer in a real browser, offline: upload, Import, a Gantt or a located error."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

# A plan as MS Project would export it, small enough to read: a summary with two tasks
# (3 days, then 2 days after a 1-day lag) and a closing milestone, on the Standard calendar.
MINI_MSPDI = """<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <Name>Mini plan</Name><Title>Warehouse &lt;b&gt;move&lt;/b&gt;</Title>
  <StartDate>2024-03-04T08:00:00</StartDate><CalendarUID>1</CalendarUID>
  <MinutesPerDay>480</MinutesPerDay>
  <Calendars><Calendar><UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar>
    <WeekDays>
      <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
      <WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes>
        <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
        <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>
      </WorkingTimes></WeekDay>
      <WeekDay><DayType>3</DayType><DayWorking>1</DayWorking><WorkingTimes>
        <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
        <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>
      </WorkingTimes></WeekDay>
      <WeekDay><DayType>4</DayType><DayWorking>1</DayWorking><WorkingTimes>
        <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
        <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>
      </WorkingTimes></WeekDay>
      <WeekDay><DayType>5</DayType><DayWorking>1</DayWorking><WorkingTimes>
        <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
        <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>
      </WorkingTimes></WeekDay>
      <WeekDay><DayType>6</DayType><DayWorking>1</DayWorking><WorkingTimes>
        <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
        <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime>
      </WorkingTimes></WeekDay>
      <WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>
    </WeekDays></Calendar></Calendars>
  <Tasks>
    <Task><UID>0</UID><ID>0</ID><Name>Mini plan</Name><OutlineLevel>0</OutlineLevel>
      <Summary>1</Summary></Task>
    <Task><UID>1</UID><ID>1</ID><Name>Move</Name><OutlineLevel>1</OutlineLevel>
      <Summary>1</Summary><Duration>PT40H0M0S</Duration></Task>
    <Task><UID>2</UID><ID>2</ID><Name>Pack</Name><OutlineLevel>2</OutlineLevel>
      <Duration>PT24H0M0S</Duration></Task>
    <Task><UID>3</UID><ID>3</ID><Name>Ship</Name><OutlineLevel>2</OutlineLevel>
      <Duration>PT16H0M0S</Duration>
      <PredecessorLink><PredecessorUID>2</PredecessorUID><Type>1</Type>
        <LinkLag>4800</LinkLag><LagFormat>7</LagFormat></PredecessorLink></Task>
    <Task><UID>4</UID><ID>4</ID><Name>Open</Name><OutlineLevel>1</OutlineLevel>
      <Milestone>1</Milestone><Duration>PT0H0M0S</Duration>
      <PredecessorLink><PredecessorUID>3</PredecessorUID><Type>1</Type></PredecessorLink></Task>
  </Tasks>
</Project>
"""


def _fingerprint(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _upload(page, name: str, data: bytes) -> None:  # type: ignore[no-untyped-def]
    # ipywidgets' FileUpload keeps its <input type=file> out of the DOM and clicks it from
    # its button: catch the file chooser that click opens
    with page.expect_file_chooser(timeout=30_000) as fc:
        page.locator(".widget-upload").first.click()
    fc.value.set_files({"name": name, "mimeType": "text/xml", "buffer": data})
    page.locator(".widget-upload").first.filter(has_text="(1)").wait_for(timeout=30_000)
    page.get_by_role("button", name="Import", exact=True).click()


def test_upload_mspdi_draws_gantt_and_offers_download(open_dashboard, voila_server) -> None:  # type: ignore[no-untyped-def]
    before = _fingerprint(voila_server.data_dir)
    dash = open_dashboard("import_schedule.ipynb", wait_charts=0)
    page = dash.page
    page.get_by_text("Import a schedule or portfolio").wait_for(timeout=120_000)
    assert "MPXJ" in dash.text()
    page.locator("input[type=text]").first.fill("P77")
    _upload(page, "mini-plan.xml", MINI_MSPDI.encode())
    page.locator(".pmkit-import-ok").wait_for(timeout=120_000)
    dash.wait_charts(1)
    assert page.locator(".vega-embed svg .mark-rect path").count() >= 3  # bars drawn
    text = dash.text()
    assert "mini-plan.xml imported" in text and "P77" in text
    # Pack Mon-Wed, 1 day lag (Thu), Ship Fri + Mon -> scheduled finish Mon 11 Mar 2024
    assert page.locator(".pmkit-import-finish").inner_text() == "11 Mar 2024"
    assert "Warehouse <b>move</b>" in text  # the name shows as typed
    href = page.locator("a.pmkit-download").get_attribute("href")
    assert href is not None and href.startswith("data:application/zip;base64,")
    dash.assert_clean()
    # no request left this machine (Font Awesome is served by the pmkit template)
    assert not dash.blocked, dash.blocked
    page.screenshot(path="/tmp/pmkit-import-ok.png", full_page=True)
    assert _fingerprint(voila_server.data_dir) == before  # nothing written to the served data


def test_malformed_file_shows_an_error_naming_it(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("import_schedule.ipynb", wait_charts=0)
    page = dash.page
    page.get_by_text("Import a schedule or portfolio").wait_for(timeout=120_000)
    _upload(page, "broken-plan.xml", MINI_MSPDI[:700].encode())
    page.locator(".pmkit-import-error").wait_for(timeout=120_000)
    err = page.locator(".pmkit-import-error").inner_text()
    assert "broken-plan.xml" in err and "XML" in err
    assert page.locator(".vega-embed").count() == 0
    dash.assert_clean()
    page.screenshot(path="/tmp/pmkit-import-error.png", full_page=True)


def test_id_clash_shows_the_report_table(open_dashboard) -> None:  # type: ignore[no-untyped-def]
    dash = open_dashboard("import_schedule.ipynb", wait_charts=0)
    page = dash.page
    page.get_by_text("Import a schedule or portfolio").wait_for(timeout=120_000)
    page.locator("input[type=text]").first.fill("P02")
    _upload(page, "mini-plan.xml", MINI_MSPDI.encode())
    page.locator("#import-report").wait_for(timeout=120_000)
    table = page.locator("#import-report").inner_text()
    assert "mini-plan.xml" in table and "project_id" in table and "Project" in table
    dash.assert_clean()
    page.screenshot(path="/tmp/pmkit-import-report.png", full_page=True)

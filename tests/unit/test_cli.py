"""The `pmkit` command as a user runs it: exit codes and messages, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pmkit.cli import main

REPO = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pmkit.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_validate_sample_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(REPO / "data")]) == 0
    assert capsys.readouterr().out.startswith("OK: 14 projects")


def test_validate_broken_copy_names_file_line_field(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    lines = (data / "tasks.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[5].split(",")
    cells[header.index("percent_complete")] = "150"
    lines[5] = ",".join(cells)
    (data / "tasks.csv").write_text("\n".join(lines) + "\n")
    res = _run("validate", str(data))
    assert res.returncode == 1
    assert "tasks.csv:6" in res.stdout and "percent_complete" in res.stdout and "150" in res.stdout
    assert "Traceback" not in res.stdout + res.stderr


def test_validate_missing_folder_exit_2() -> None:
    res = _run("validate", "/no/such/folder")
    assert res.returncode == 2 and "Traceback" not in res.stderr


def test_schedule_unsafe_xml_is_refused_without_traceback(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        "<Project>&b;</Project>"
    )
    res = _run("schedule", str(bomb), "--format", "csv")
    assert res.returncode == 2
    assert "bomb.xml" in res.stderr and "Traceback" not in res.stderr


def test_report_writes_pack_and_workbook(tmp_path: Path) -> None:
    html, xlsx = tmp_path / "pack.html", tmp_path / "roll.xlsx"
    assert main(["report", str(REPO / "data"), "--html", str(html), "--xlsx", str(xlsx)]) == 0
    text = html.read_text()
    assert "<svg" in text or "data:image/svg+xml" in text
    assert "&lt;b&gt;ERP&lt;/b&gt;" in text and "<b>ERP</b>" not in text
    from openpyxl import load_workbook

    assert "Roll-up" in load_workbook(xlsx).sheetnames


def test_report_reads_a_workbook_like_the_folder(tmp_path: Path) -> None:
    """``pmkit report book.xlsx`` was refused ("is a file, not a portfolio folder ... (or a
    .xlsx workbook)"); through the library, the roll-up of a workbook portfolio stopped on its
    decisions log. The workbook's roll-up is the folder's."""
    import pandas as pd

    from pmkit.io.csv_folder import load_portfolio
    from pmkit.io.excel import write_workbook

    (tmp_path / "pf").mkdir()
    book = write_workbook(load_portfolio(REPO / "data"), tmp_path / "pf" / "portfolio.xlsx")
    (tmp_path / "pf" / "standards.yaml").write_text((REPO / "data" / "standards.yaml").read_text())
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert main(["report", str(REPO / "data"), "--xlsx", str(a)]) == 0
    assert main(["report", str(book), "--xlsx", str(b)]) == 0
    pd.testing.assert_frame_equal(
        pd.read_excel(b, sheet_name="Roll-up"), pd.read_excel(a, sheet_name="Roll-up")
    )


def test_serve_refuses_a_missing_data_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--data", "/no/such/folder"]) == 2
    assert "not found" in capsys.readouterr().err


def test_serve_stops_with_its_preheated_kernels(tmp_path: Path) -> None:
    import os
    import socket
    import time

    from pmkit.cli import _children, stop_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PMKIT_DATA": str(REPO / "data"), "PMKIT_LOG": str(tmp_path / "log")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pmkit.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not _children(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        kernels = _children(proc.pid)
        assert kernels, "the server started no preheated kernel"
    finally:
        stop_server(proc)
    # a killed kernel may linger as a zombie until something reaps it: only a running one counts
    deadline = time.monotonic() + 30
    while (alive := [p for p in kernels if _running(p)]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert proc.returncode is not None and not alive


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"

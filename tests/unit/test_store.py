"""pmkit.store on its three backends: a CSV folder, SQLite and a REAL PostgreSQL.

PostgreSQL is a throw-away cluster started by tests/pg.py (never a mock); under CI these tests
fail rather than skip if it is missing.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from pmkit.cli import main as cli_main
from pmkit.errors import PortfolioValidationError
from pmkit.portfolio.decisions import LOG_COLUMNS, load_decisions, record_decision
from pmkit.store import (
    CsvStore,
    SqlStore,
    StoreError,
    dump_store,
    init_db,
    load_folder,
    open_store,
)
from pmkit.store import schema as S
from pmkit.store.migrate import head_revision, upgrade

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
CSV_FILES = [*sorted(p.name for p in DATA.glob("*.csv")), "standards.yaml"]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, initialised database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'pmkit.db'}"
    else:
        from pg import new_database

        base = request.getfixturevalue("postgres_url")
        url = new_database(base, f"t{uuid.uuid4().hex[:12]}")
    init_db(url)
    yield url


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    out = tmp_path / "portfolio"
    shutil.copytree(DATA, out)
    return out


@pytest.fixture(params=["csv", "sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, folder: Path, tmp_path: Path) -> Iterator[str]:
    """The location of the sample portfolio on each backend."""
    if request.param == "csv":
        yield str(folder)
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'any.db'}"
    else:
        from pg import new_database

        url = new_database(request.getfixturevalue("postgres_url"), f"s{uuid.uuid4().hex[:12]}")
    init_db(url)
    load_folder(folder, url).close()
    yield url


# ------------------------------------------------------------------ load / dump


def test_load_then_dump_gives_back_the_same_files(
    db_url: str, folder: Path, tmp_path: Path
) -> None:
    record_decision(folder, "CR-P01-01", "approve", "Ana", "within budget")
    projects = folder / "projects.csv"  # a name guarded against formula injection
    text = projects.read_text(encoding="utf-8")
    projects.write_text(text.replace(",Core Digital Platform,", ",'=Core Digital Platform,"))
    load_folder(folder, db_url).close()
    assert open_store(db_url).load_portfolio().projects["name"].iloc[0] == "=Core Digital Platform"
    out = dump_store(db_url, tmp_path / "dumped")
    files = [*CSV_FILES, "decisions_log.csv"]
    match, mismatch, errors = filecmp.cmpfiles(folder, out, files, shallow=False)
    assert (mismatch, errors) == ([], []), (mismatch, errors)
    assert sorted(match) == sorted(files)


def test_a_portfolio_read_from_a_database_equals_the_folder(any_store: str, folder: Path) -> None:
    want = CsvStore(folder).load_portfolio()
    got = open_store(any_store).load_portfolio()
    for name in ("projects", "tasks", "links", "risks", "changes", "snapshots", "gates"):
        pd.testing.assert_frame_equal(got.table(name), want.table(name), check_dtype=True)
    assert got.standards == want.standards


def test_load_validates_first_and_writes_nothing_on_error(db_url: str, folder: Path) -> None:
    tasks = (folder / "tasks.csv").read_text().splitlines()
    tasks[3] = tasks[3].replace(",", ",not-a-number,", 1).rsplit(",", 1)[0]
    (folder / "tasks.csv").write_text("\n".join(tasks) + "\n")
    with pytest.raises(PortfolioValidationError) as err:
        load_folder(folder, db_url)
    assert err.value.report.errors
    with sa.create_engine(SqlStore(db_url).url).connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(S.PORTFOLIO_TABLES["projects"]))
        assert n.scalar_one() == 0
    assert cli_main(["db", "load", str(folder), db_url]) == 1


def test_load_refuses_a_database_that_already_holds_a_portfolio(db_url: str, folder: Path) -> None:
    load_folder(folder, db_url).close()
    with pytest.raises(StoreError, match="already holds"):
        load_folder(folder, db_url)
    load_folder(folder, db_url, replace=True).close()
    assert len(open_store(db_url).load_portfolio().projects) == len(
        CsvStore(folder).load_portfolio().projects
    )


def test_load_is_one_transaction(postgres_url: str, folder: Path) -> None:
    """A failure inserting the LAST table (a trigger refuses it) leaves every table empty."""
    from pg import new_database

    url = new_database(postgres_url, "atomic_load")
    init_db(url)
    store = SqlStore(url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; "
            "END $$ LANGUAGE plpgsql; CREATE TRIGGER refuse BEFORE INSERT ON stage_gates "
            "FOR EACH ROW EXECUTE FUNCTION refuse();"
        )
    with pytest.raises(sa.exc.DBAPIError, match="disk full"):
        load_folder(folder, url)
    with store.engine.connect() as conn:
        for t in (*S.PORTFOLIO_TABLES.values(), S.DOCUMENTS, S.DECISIONS, S.AUDIT):
            assert conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() == 0, t.name
    store.close()


def test_cli_db_verbs(tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert cli_main(["db", "init", url]) == 0
    assert cli_main(["db", "load", str(folder), url]) == 0
    assert cli_main(["db", "dump", url, str(tmp_path / "out")]) == 0
    assert filecmp.cmp(folder / "tasks.csv", tmp_path / "out" / "tasks.csv", shallow=False)
    assert cli_main(["db", "load", str(tmp_path / "nope"), url]) == 2
    out = capsys.readouterr()
    assert "Traceback" not in out.err


def test_opening_an_uninitialised_database_says_what_to_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    with pytest.raises(StoreError) as err:
        open_store(url)
    assert "pmkit db init" in str(err.value.expected)


# ------------------------------------------------------------------ migrations


def test_an_old_database_is_upgraded_never_misread(tmp_path: Path, folder: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = SqlStore(url, check=False)
    assert upgrade(store.engine, "0001") == "0001"
    with store.engine.begin() as conn:  # what a pmkit of revision 0001 wrote
        conn.execute(
            S.DECISIONS.insert(),
            {
                "decision_id": "d1",
                "cr_id": "CR-P01-01",
                "decision": "approved",
                "decided_by": "Ana",
                "decided_at": "2026-01-05T10:00:00Z",
                "rationale": "ok",
            },
        )
    with pytest.raises(StoreError) as err:
        SqlStore(url)
    assert "0001" in str(err.value) and "pmkit db upgrade" in str(err.value.expected)
    assert cli_main(["db", "upgrade", url]) == 0
    fresh = SqlStore(url)
    rows = fresh.decision_rows()
    assert rows == [["d1", "CR-P01-01", "approved", "Ana", "2026-01-05T10:00:00Z", "ok"]]
    trail = fresh.audit_trail()
    assert trail["action"].tolist() == ["decide (migrated)"]
    assert json.loads(trail["after"].iat[0])["decision_id"] == "d1"


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    init_db(url)
    store = SqlStore(url)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="unknown to this pmkit"):
        SqlStore(url)


def test_migrations_build_exactly_the_current_schema(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store = SqlStore(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), S.METADATA)
    assert diff == [], diff
    assert store.engine.dialect.name in ("sqlite", "postgresql")
    assert head_revision() == "0003"


# ------------------------------------------------------------------ audited writes


def test_writes_are_audited_with_before_and_after(any_store: str) -> None:
    store = open_store(any_store)
    pf = store.load_portfolio()
    record_decision(pf, "CR-P01-01", "reject", "Ana", "too costly")
    record_decision(pf, "CR-P01-01", "approve", "Ben", "re-scoped")
    log = load_decisions(pf)
    assert log["decided_by"].tolist()[-2:] == ["Ana", "Ben"]
    rid = str(pf.risks["risk_id"].iat[0])
    before = str(pf.risks["status"].iat[0])
    after = "closed" if before == "open" else "open"
    row = store.set_risk_status(rid, after, "carla")
    assert (json.loads(row["before"]), json.loads(row["after"])) == (
        {"status": before},
        {"status": after},
    )
    reread = store.load_portfolio().risks.set_index("risk_id")["status"]
    assert reread[rid] == after
    store.put_record("scenario", "cut-scope", {"cut": ["P01"]}, "dan")
    store.put_record("scenario", "cut-scope", {"cut": ["P01", "P02"]}, "dan")
    assert store.get_record("scenario", "cut-scope") == {"cut": ["P01", "P02"]}
    trail = store.audit_trail()
    last = trail.iloc[-1]
    assert (last["who"], last["entity_key"]) == ("dan", "cut-scope")
    assert json.loads(last["before"]) == {"cut": ["P01"]}
    with pytest.raises(StoreError):
        store.set_risk_status("no-such-risk", "closed", "carla")


# ------------------------------------------------------------------ concurrency and crashes

WRITER = textwrap.dedent(
    """
    import sys
    from pmkit.portfolio.decisions import record_decision
    from pmkit.store import open_store
    loc, worker, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    target = open_store(loc) if "://" in loc else loc
    for i in range(n):
        record_decision(target, "CR-P01-01", "defer", f"w{worker}", f"w{worker}-{i}")
    """
)


def test_eight_writers_lose_nothing(any_store: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, any_store, str(w), "100"], stderr=subprocess.PIPE
        )
        for w in range(8)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-2000:]
    target: object = open_store(any_store).load_portfolio() if "://" in any_store else any_store
    log = load_decisions(target)
    want = {f"w{w}-{i}" for w in range(8) for i in range(100)}
    assert set(log["rationale"]) == want and len(log) == 800
    assert log["decision_id"].is_unique
    for w in range(8):  # each writer's decisions keep their order
        mine = log.loc[log["decided_by"] == f"w{w}", "rationale"].tolist()
        assert mine == [f"w{w}-{i}" for i in range(100)]
    if "://" in any_store:
        trail = open_store(any_store).audit_trail()
        assert (trail["action"] == "decide").sum() == 800


KILLED_SQL = textwrap.dedent(
    """
    import sys, time
    from pmkit.store import SqlStore
    store = SqlStore(sys.argv[1])
    rec = {"decision_id": "killed", "cr_id": "CR-P01-01", "decision": "approved",
           "decided_by": "x", "decided_at": "2026-01-01T00:00:00Z", "rationale": "half"}
    with store.transaction() as conn:
        store.insert_decision(conn, rec)
        print("inserted", flush=True)
        time.sleep(120)
        store.write_audit(conn, "decide", "change_requests", "CR-P01-01", "x", None, rec)
    """
)

KILLED_CSV = textwrap.dedent(
    """
    import fcntl, os, sys, time
    path = sys.argv[1]
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, b"killed,CR-P01-01,appro")   # half a record, as a crash mid-write leaves it
    print("inserted", flush=True)
    time.sleep(120)
    """
)


def _run_and_kill(code: str, arg: str) -> None:
    proc = subprocess.Popen([sys.executable, "-c", code, arg], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"inserted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_a_writer_killed_mid_transaction_leaves_no_partial_row(any_store: str) -> None:
    if "://" in any_store:
        _run_and_kill(KILLED_SQL, any_store)
        store = open_store(any_store)
        pf = store.load_portfolio()
    else:
        record_decision(any_store, "CR-P01-01", "approve", "Ana", "first")
        _run_and_kill(KILLED_CSV, str(Path(any_store) / "decisions_log.csv"))
        pf = any_store  # type: ignore[assignment]
    assert "killed" not in set(load_decisions(pf)["decision_id"])
    record_decision(pf, "CR-P01-01", "reject", "Ben", "after the crash")  # the lock was freed
    log = load_decisions(pf)
    assert "killed" not in set(log["decision_id"])
    assert log["rationale"].iloc[-1] == "after the crash"
    assert list(log.columns) == ["seq", *LOG_COLUMNS]
    if "://" in any_store:
        trail = open_store(any_store).audit_trail()
        assert (trail["action"] == "decide").sum() == len(log)


def test_a_stored_standards_file_is_checked_at_the_same_door_as_a_folders(
    tmp_path: Path, folder: Path
) -> None:
    """A date YAML cannot build (2026-13-45) is a readable issue naming the line and the key,
    as from a folder, never a ValueError out of the YAML reader."""
    url = f"sqlite:///{tmp_path / 'bad-standards.db'}"
    init_db(url)
    load_folder(folder, url).close()
    text = "currency: EUR\nstatus_date: 2026-13-45\n"
    with sa.create_engine(SqlStore(url).url).begin() as conn:
        conn.execute(
            S.DOCUMENTS.update().where(S.DOCUMENTS.c.name == "standards.yaml").values(content=text)
        )
    _, _, report = SqlStore(url).read()
    (issue,) = [i for i in report.errors if i.file == "standards.yaml"]
    assert (issue.line, issue.field, issue.value) == (2, "status_date", "2026-13-45")
    with pytest.raises(PortfolioValidationError):
        open_store(url).load_portfolio()

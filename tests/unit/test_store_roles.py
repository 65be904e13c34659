"""``pmkit db grant`` on a REAL PostgreSQL: the database itself refuses what a role may not do.

Each test logs in as fresh login roles (trust authentication on the throw-away cluster of
tests/pg.py) and tries the writes a dashboard or an analyst's cell could send.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from pmkit.cli import main as cli_main
from pmkit.portfolio.decisions import load_decisions, record_decision
from pmkit.store import SqlStore, StoreError, init_db, load_folder
from pmkit.store.roles import grant_roles, role_names

REPO = Path(__file__).resolve().parents[2]


def _as(url: str, login: str) -> str:
    """The same database, logged in as ``login``."""
    return url.replace("postgresql://pmkit@", f"postgresql://{login}@", 1)


@pytest.fixture
def team(postgres_url: str, tmp_path: Path) -> dict[str, str]:
    """A loaded portfolio database and two fresh login roles: a reader and a board member."""
    from pg import new_database

    folder = tmp_path / "data"
    shutil.copytree(REPO / "data", folder)
    tag = uuid.uuid4().hex[:10]
    url = new_database(postgres_url, f"r{tag}")
    init_db(url)
    load_folder(folder, url).close()
    reader, member = f"reader_{tag}", f"member_{tag}"
    eng = sa.create_engine(url)
    with eng.begin() as conn:
        for login in (reader, member):
            conn.exec_driver_sql(f'CREATE ROLE "{login}" LOGIN')
    eng.dispose()
    return {"url": url, "reader": reader, "member": member}


def _try(url: str, sql: str) -> str:
    """Run ``sql``; the SQLSTATE it fails with, or "ok"."""
    eng = sa.create_engine(url)
    try:
        with eng.begin() as conn:
            conn.exec_driver_sql(sql)
        return "ok"
    except sa.exc.DBAPIError as exc:
        return str(getattr(exc.orig, "sqlstate", "?"))
    finally:
        eng.dispose()


def test_a_reader_reads_everything_and_writes_nothing(team: dict[str, str]) -> None:
    grant_roles(team["url"], {"read": [team["reader"]]})
    as_reader = _as(team["url"], team["reader"])
    store = SqlStore(as_reader)  # opening checks the schema revision: a read
    try:
        pf = store.load_portfolio()
        assert len(pf.projects) > 0
        with pytest.raises(StoreError, match="may not make this change"):
            record_decision(pf, "CR-P01-01", "approve", "Ana", "fits the budget")
        with pytest.raises(StoreError, match="nothing was saved"):
            store.set_risk_status(str(pf.risks["risk_id"].iat[0]), "closed", "ana")
        assert len(load_decisions(pf)) == 0
    finally:
        store.close()
    # what an analyst's own cell might send: 42501 is PostgreSQL's "insufficient privilege"
    for sql in (
        "UPDATE tasks SET duration_days = 1",
        "DELETE FROM audit",
        "INSERT INTO decisions (decision_id, cr_id, decision, decided_by, decided_at, "
        "rationale) VALUES ('x', 'CR-P01-01', 'approved', 'me', 'now', 'because')",
    ):
        assert _try(as_reader, sql) == "42501", sql


def test_the_board_appends_decisions_and_nothing_else(team: dict[str, str]) -> None:
    grant_roles(team["url"], {"board": [team["member"]]})
    as_member = _as(team["url"], team["member"])
    store = SqlStore(as_member)
    try:
        pf = store.load_portfolio()
        record_decision(pf, "CR-P01-01", "reject", "Ana", "too costly")
        record_decision(pf, "CR-P01-01", "approve", "Ben", "re-scoped")
        assert load_decisions(pf)["decided_by"].tolist() == ["Ana", "Ben"]
        audit = store.audit_trail()
        assert audit["action"].tolist()[-2:] == ["decide", "decide"]
    finally:
        store.close()
    for sql in (  # the log and the trail stay append-only, the plan read-only
        "UPDATE decisions SET decision = 'rejected'",
        "DELETE FROM decisions",
        "UPDATE audit SET who = 'someone else'",
        "DELETE FROM audit",
        "UPDATE change_requests SET decision = 'approved'",
        "UPDATE tasks SET duration_days = 1",
        "DELETE FROM risks",
    ):
        assert _try(as_member, sql) == "42501", sql


def test_grant_is_repeatable_and_names_a_missing_login(
    team: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url = team["url"]
    first = grant_roles(url, {"read": [team["reader"]]})
    assert grant_roles(url, {"read": [team["reader"]]}) == first  # again: same roles, no error
    db = sa.engine.make_url(url).database
    assert first == role_names(db) == {"read": f"{db}_read", "board": f"{db}_board"}
    with pytest.raises(StoreError, match="no such login role") as err:
        grant_roles(url, {"board": [team["member"], "nobody_here"]})
    assert err.value.value == "nobody_here" and err.value.field == "board"
    # all or nothing: the member listed beside the missing login was not added
    assert _try(_as(url, team["member"]), "INSERT INTO audit (at, who, action, entity, "
                "entity_key) VALUES ('a', 'b', 'c', 'd', 'e')") == "42501"  # fmt: skip
    assert cli_main(["db", "grant", url, "--board", team["member"]]) == 0
    out = capsys.readouterr().out
    assert f"{db}_board" in out and team["member"] in out


def test_grant_refuses_sqlite_and_an_uninitialised_database(
    postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pg import new_database

    lite = f"sqlite:///{tmp_path / 'p.db'}"
    with pytest.raises(StoreError, match="PostgreSQL feature"):
        grant_roles(lite)
    empty = new_database(postgres_url, f"e{uuid.uuid4().hex[:10]}")
    with pytest.raises(StoreError, match="no pmkit tables"):
        grant_roles(empty)
    assert cli_main(["db", "grant", lite, "--read", "ana"]) != 0
    err = capsys.readouterr().err
    assert "PostgreSQL" in err and "Traceback" not in err


def test_the_hub_hands_each_group_its_database_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """deploy/jupyterhub/jupyterhub_config.py: board members get PMKIT_DATA_BOARD, everyone
    else (managers, analysts, admins) PMKIT_DATA_READ; without them, the common PMKIT_DATA."""
    from types import SimpleNamespace

    from traitlets.config import Config

    monkeypatch.setenv("PMKIT_HUB_STATE", str(tmp_path / "hub"))
    monkeypatch.setenv("PMKIT_HUB_AUTH", "dummy")
    monkeypatch.setenv("PMKIT_HUB_TEST_PASSWORD", "x" * 12)
    monkeypatch.setenv("PMKIT_DATA", "postgresql://pmkit@db/pmkit")
    path = REPO / "deploy" / "jupyterhub" / "jupyterhub_config.py"
    ns: dict[str, object] = {"c": Config(), "__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), ns)  # how JupyterHub loads it
    hook = ns["pre_spawn_hook"]

    def spawn(*groups: str, admin: bool = False) -> dict[str, str]:
        user = SimpleNamespace(groups=[SimpleNamespace(name=g) for g in groups], admin=admin)
        sp = SimpleNamespace(user=user, environment=dict(ns["c"].Spawner.environment))
        hook(sp)  # type: ignore[operator]
        return sp.environment

    assert spawn("change-board")["PMKIT_DATA"] == "postgresql://pmkit@db/pmkit"
    monkeypatch.setenv("PMKIT_DATA_READ", "postgresql://reader@db/pmkit")
    monkeypatch.setenv("PMKIT_DATA_BOARD", "postgresql://board@db/pmkit")
    assert spawn("change-board", "managers")["PMKIT_DATA"] == "postgresql://board@db/pmkit"
    for groups in (("managers",), ("analysts",), ()):
        assert spawn(*groups)["PMKIT_DATA"] == "postgresql://reader@db/pmkit", groups
    assert spawn(admin=True)["PMKIT_DATA"] == "postgresql://reader@db/pmkit"
    assert spawn("change-board")["PMKIT_ROLES"] == "change-board"

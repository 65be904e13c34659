"""The install story end to end: build the wheel, install it outside the checkout, serve, init.

The wheel is built from a copy of the working tree with ``python -m build`` (sdist, then the
wheel from the sdist, as a release would), installed into a fresh virtual environment in a
temporary folder, and run from there with no checkout in sight (its own HOME and caches).

The fresh venv borrows the test environment's *dependencies* through a ``.pth`` line (installing
pandas, Voila, JupyterLab... again would take minutes and the network); pmkit itself comes only
from the wheel (``--no-deps``), which the test checks. ``PMKIT_FULL_INSTALL=1`` installs the
wheel with all its dependencies from the package index instead.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from pmkit.cli import stop_server

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.install
FULL = os.environ.get("PMKIT_FULL_INSTALL") == "1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _source_copy(dst: Path) -> Path:
    """The working tree as git sees it (tracked and new files, nothing ignored)."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            (dst / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / name)
    return dst


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("build", reason="`build` is a test dependency")
    work = tmp_path_factory.mktemp("wheel")
    src = _source_copy(work / "src")
    out = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(src)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    (whl,) = (work / "dist").glob("pmkit-*.whl")
    return whl


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("fresh")
    env_dir = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True, timeout=300)
    py = env_dir / "bin" / "python"
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PMKIT_", "JUPYTER", "VIRTUAL"))
    }
    env |= {
        "HOME": str(root / "home"),
        "XDG_DATA_HOME": str(root / "share"),
        "XDG_CACHE_HOME": str(root / "cache"),
        "PATH": f"{env_dir / 'bin'}:{env['PATH']}",
    }
    pip = [str(py), "-m", "pip", "--disable-pip-version-check", "-q", "install"]
    if FULL:
        subprocess.run([*pip, str(wheel)], check=True, timeout=1800, env=env)
    else:
        site = Path(
            subprocess.run(
                [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
        )  # fmt: skip
        # Dependencies from the test environment; Jupyter's data files (Voila's templates,
        # widget extensions) from its prefix. pmkit itself only from the wheel.
        (site / "zz_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
        subprocess.run([*pip, "--no-deps", "--no-index", str(wheel)], check=True, env=env)
    where = subprocess.run(
        [str(py), "-c", "import pmkit; print(pmkit.__file__)"],
        capture_output=True, text=True, check=True, env=env, cwd=root,
    ).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(env_dir), f"pmkit imported from {where}, not the wheel"
    return {"root": root, "bin": env_dir / "bin", "env": env}


def test_the_wheel_carries_notebooks_and_sample(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for nb in (REPO / "notebooks").rglob("*.ipynb"):
        if ".ipynb_checkpoints" not in nb.parts:
            assert f"pmkit/_bundle/notebooks/{nb.relative_to(REPO / 'notebooks')}" in names, nb
    for f in (REPO / "data").iterdir():
        if f.suffix in (".csv", ".yaml") and f.name != "decisions_log.csv":
            assert f"pmkit/_bundle/data/{f.name}" in names, f.name
    assert not any("decisions_log" in n or "checkpoint" in n for n in names)
    # packaged data read at run time: the generator's reference data, the standards template
    for data in ("pmkit/generate/reference.yaml", "pmkit/templates/standards.yaml"):
        assert data in names, data


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=240) as r:
        return r.status, r.read().decode("utf-8", "replace")


def _landing_in_a_browser(url: str) -> None:
    """Where Chromium is, open the landing page: it draws, and asks nothing of other hosts."""
    chromium = os.environ.get("PMKIT_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        return
    sync_api = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []

    def route(r: object) -> None:
        host = urllib.parse.urlparse(r.request.url).hostname  # type: ignore[attr-defined]
        if r.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):  # type: ignore[attr-defined]
            r.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(r.request.url)  # type: ignore[attr-defined]
            r.abort()  # type: ignore[attr-defined]

    def visit() -> None:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            try:
                page = browser.new_page()
                page.route("**/*", route)
                page.goto(url, timeout=240_000)
                page.get_by_text("Portfolio at a glance").first.wait_for(timeout=240_000)
            finally:
                browser.close()

    # its own thread: a browser test's Playwright may already run an asyncio loop in this one
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(visit).result()
    assert not outside, outside


def test_pmkit_serve_from_the_installed_wheel(venv: dict[str, object]) -> None:
    root, bindir, env = Path(venv["root"]), Path(venv["bin"]), dict(venv["env"])  # type: ignore[arg-type]
    port = _free_port()
    log = root / "serve.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [str(bindir / "pmkit"), "serve", "--port", str(port), "--no-preheat"],
            cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        base = f"http://127.0.0.1:{port}"
        status, tree = _get(f"{base}/")  # the listing page (filled in by script)
        assert status == 200
        status, listing = _get(f"{base}/voila/api/contents")
        listed = {item["name"] for item in json.loads(listing)["content"]}
        dashboards = {nb.name for nb in (REPO / "notebooks").glob("*.ipynb")}
        assert dashboards <= listed, dashboards - listed
        assert "analysis" not in listed, "the analyst notebooks are not dashboards"
        status, page = _get(f"{base}/voila/render/index.ipynb")  # runs the notebook
        assert status == 200 and "application/vnd.jupyter.widget-view+json" in page, page[-2000:]
        assert "Traceback" not in page and "voila/static/fontawesome/css/all.min.css" in page
        _landing_in_a_browser(f"{base}/voila/render/index.ipynb")
        status, css = _get(f"{base}/voila/static/fontawesome/css/all.min.css")
        assert status == 200 and "Font Awesome" in css
        assert "cdn.jsdelivr" not in page and "cdn.jsdelivr" not in tree
    finally:
        stop_server(proc)
    # The sample is served from a writable copy, never from the package folder.
    assert (root / "share" / "pmkit" / "sample" / "tasks.csv").is_file()


def test_pmkit_init_writes_a_working_folder(venv: dict[str, object]) -> None:
    root, bindir, env = Path(venv["root"]), Path(venv["bin"]), dict(venv["env"])  # type: ignore[arg-type]
    pmkit = str(bindir / "pmkit")
    for flag, name in (([], "ws"), (["--empty"], "ws-empty")):
        out = subprocess.run(
            [pmkit, "init", name, *flag], cwd=root, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        ws = root / name
        assert (ws / "notebooks" / "index.ipynb").is_file()
        assert (ws / "data" / "standards.yaml").is_file()
        check = subprocess.run(
            [pmkit, "validate", str(ws / "data")], env=env, capture_output=True, text=True
        )
        # an empty template is valid: it waits for its first project, and says so
        assert check.returncode == 0, check.stdout + check.stderr
        if flag:
            assert "empty portfolio" in check.stdout, check.stdout
    empty_tasks = (root / "ws-empty" / "data" / "tasks.csv").read_text().splitlines()
    assert len(empty_tasks) == 1 and "task_id" in empty_tasks[0]
    again = subprocess.run([pmkit, "init", "ws"], cwd=root, env=env, capture_output=True, text=True)
    assert again.returncode == 2 and "never overwrites" in again.stderr

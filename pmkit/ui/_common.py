"""Wiring shared by every dashboard: offline live charts, text that never runs as HTML,
colour-blind-safe status badges, and an error boundary so a manager never sees a traceback.

This is the only layer (with ``pmkit.charts``) allowed to import ipywidgets / altair.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import altair as alt
import ipywidgets as W
from altair.typing import ChartType

from pmkit import cache
from pmkit.bundle import EARLY_BUNDLE, POOL_READY_ENV, STATIC_DIR_ENV
from pmkit.errors import PmkitError
from pmkit.format import esc, html_table  # noqa: F401  (re-exported for the dashboards)
from pmkit.io.csv_folder import sample_data_path
from pmkit.ui._rowdiff import patch_bundle
from pmkit.ui._shown import patch_shown

log = logging.getLogger("pmkit.ui")

F = TypeVar("F", bound=Callable[..., Any])

# Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
# Status colour is always paired with a text label and a symbol (never colour alone).
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    # status: (colour, symbol, label)
    "green": ("#009E73", "●", "Green"),
    "amber": ("#E69F00", "▲", "Amber"),
    "red": ("#D55E00", "■", "Red"),
    "grey": ("#999999", "○", "n/a"),
    "blue": ("#0072B2", "◆", "Done"),
}

_setup_done = False


def _enable_offline_charts() -> None:
    """``alt.JupyterChart.enable_offline()``, with its bundle cached on disk.

    Bundling Vega for offline use costs ~2.3 s per kernel (measured on this 2-core machine),
    i.e. per dashboard page; the bundle only changes with the altair / vl-convert versions.
    Under ``pmkit serve`` each chart then carries a small module importing the bundle from the
    server (:func:`_chart_module`) instead of the ~900 KB bundle itself.
    """
    import hashlib
    from importlib.metadata import version

    cls = alt.JupyterChart
    if getattr(cls, "_is_offline", False):
        return
    try:
        key = hashlib.sha1(f"{version('altair')}-{version('vl-convert-python')}".encode())
        cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pmkit"
        path = cache / f"jupyterchart-{key.hexdigest()[:12]}.js"
        if path.is_file():
            cls._esm = path.read_text(encoding="utf-8")
            cls._is_offline = True
        else:
            cls.enable_offline()
            cache.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(str(cls._esm), encoding="utf-8")
            os.replace(tmp, path)
    except (OSError, AttributeError, ValueError):  # cache unusable: bundle in memory
        cls.enable_offline()
    # data updates as row diffs, hidden charts drawn when shown, served or inline alike
    # (each unchanged if altair's text differs)
    cls._esm = _chart_module(patch_shown(patch_bundle(str(cls._esm))))


# The ``_esm`` of a chart under ``pmkit serve``: anywidget imports it (as a blob module), and
# it imports the bundle from the page's own server. One URL for every chart of every page,
# so the browser fetches and evaluates the bundle once per page (module map) and keeps it in
# its HTTP cache across pages (``?v=``: Tornado's static handler then allows caching).
_LOADER = """// pmkit: the offline Vega bundle, served once by this server (not in every chart).
const bundle = await import(new URL({url}, document.baseURI).href);
export default bundle.default;
"""


def _chart_module(bundle: str) -> str:
    """What a chart's ``_esm`` should be: a small loader when this kernel runs under
    ``pmkit serve`` (Voila's kernel environment names the base URL, ``pmkit serve`` the pmkit
    template's static folder), else the whole bundle (JupyterLab, plain Voila, a script).

    The bundle is written to the static folder once, named by its content's hash, through a
    temporary file so the server never publishes half a file; if it cannot be written the
    chart carries the bundle as before.
    """
    import hashlib
    import json

    folder, base = os.environ.get(STATIC_DIR_ENV), os.environ.get("VOILA_BASE_URL")
    if not folder or base is None or not bundle:
        return bundle
    data = bundle.encode("utf-8")
    digest = hashlib.sha1(data).hexdigest()[:16]
    path = Path(folder) / f"pmkit-charts-{digest}.js"
    try:
        if not path.is_file() or path.stat().st_size != len(data):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
    except OSError:
        log.warning("cannot publish the chart bundle in %s; charts carry it inline", folder)
        return bundle
    _publish_early(Path(folder), f"./{path.name}?v={digest}")
    url = f"{base.rstrip('/')}/voila/static/{path.name}?v={digest}"
    return _LOADER.format(url=json.dumps(url))


#: The stable name of the current bundle in the static folder: the pmkit page template
#: imports it while the kernel connects (``pmkit.bundle.EARLY_BUNDLE``), so a page's first
#: chart finds the bundle fetched and evaluated instead of starting then (the module map
#: holds one copy: the charts' own import is the same URL).
EARLY = "import {url};\n"


def _publish_early(folder: Path, relative: str) -> None:
    """Write ``pmkit-charts.js`` (importing the bundle at ``relative``) if it differs; a
    failure only loses the early start (the charts import the bundle themselves)."""
    import json

    text = "// pmkit: the chart bundle, started early by the page\n" + EARLY.format(
        url=json.dumps(relative)
    )
    target = folder / EARLY_BUNDLE
    try:
        if target.is_file() and target.read_text(encoding="utf-8") == text:
            return
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        log.warning(
            "cannot publish %s in %s; charts import the bundle themselves", target.name, folder
        )


def setup() -> None:
    """Prepare a dashboard kernel: offline charts, warnings to a log (not the page)."""
    global _setup_done
    if _setup_done:
        return
    _enable_offline_charts()
    alt.data_transformers.disable_max_rows()  # charts aggregate first; guarded by tests
    logging.captureWarnings(True)
    wlog = logging.getLogger("py.warnings")
    wlog.propagate = False
    target = os.environ.get("PMKIT_LOG")
    wlog.addHandler(logging.FileHandler(target) if target else logging.NullHandler())
    warnings.simplefilter("default")
    _setup_done = True


def live_chart(chart: ChartType) -> alt.JupyterChart:
    """A chart widget that renders without internet (bundled Vega, no CDN)."""
    setup()
    return alt.JupyterChart(chart)


def badge(status: str, label: str | None = None, *, title: str | None = None) -> str:
    """A status chip: colour + symbol + words, with the rule that produced it on hover."""
    colour, symbol, default = STATUS_STYLE.get(str(status).lower(), STATUS_STYLE["grey"])
    tip = f' title="{esc(title)}"' if title else ""
    return (
        f'<span class="pmkit-badge pmkit-{esc(status)}"{tip} style="display:inline-block;'
        f"padding:1px 8px;border-radius:10px;background:{colour};color:#fff;"
        f'font-weight:600;white-space:nowrap">{symbol} {esc(label or default)}</span>'
    )


TABLE_CSS = """
<style>
.pmkit-table {border-collapse: collapse; font-size: 13px; width: 100%;}
.pmkit-table th {background: #f2f2f2; text-align: left; position: sticky; top: 0;}
.pmkit-table th, .pmkit-table td {border-bottom: 1px solid #ddd; padding: 3px 8px;}
.pmkit-error {border-left: 4px solid #D55E00; background: #fff4ec; padding: 8px 12px;}
.pmkit-note {color: #555; font-size: 12px;}
</style>
"""


def header(title: str, subtitle: str = "") -> W.HTML:
    """The title block every dashboard starts with (also carries the shared CSS)."""
    sub = f"<p class='pmkit-note'>{esc(subtitle)}</p>" if subtitle else ""
    return W.HTML(f"{TABLE_CSS}<h2 class='pmkit-title'>{esc(title)}</h2>{sub}")


def error_html(exc: BaseException) -> str:
    """What a manager sees instead of a traceback: the message, and where to look."""
    if isinstance(exc, PmkitError):
        text = str(exc)
    else:
        text = f"Something went wrong ({type(exc).__name__}): {exc}"
    return (
        "<div class='pmkit-error' role='alert'><b>Could not show this panel.</b><br>"
        f"{esc(text)}</div>"
    )


def guarded(target: W.Output | W.HTML | None = None) -> Callable[[F], F]:
    """Decorate a widget callback so any exception becomes a readable message on the page."""

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # the page must never show a traceback
                log.exception("dashboard callback %s failed", fn.__name__)
                if isinstance(target, W.HTML):
                    target.value = error_html(exc)
                elif isinstance(target, W.Output):
                    target.clear_output()
                    target.append_display_data(W.HTML(error_html(exc)))
                return None

        return wrapper  # type: ignore[return-value]

    return deco


def compute_ahead(
    keys: list[str], compute: Callable[[str], Any], *, at_most: int, what: str
) -> None:
    """``compute(key)`` for every key, so an action later only shows the result (a preheated
    kernel does this before the request); nothing when there are more than ``at_most`` keys
    (they are computed on demand). Never raises: a key that fails shows its reason when
    picked."""
    if len(keys) > at_most:
        return
    for key in keys:
        try:
            compute(key)
        except Exception:
            log.warning("%s: %s not precomputed", what, key, exc_info=True)


def wait_for_page() -> None:
    """With Voila's preheated kernels, pause here until a browser asks for the page.

    Everything before this point (imports, the offline chart bundle) is done ahead of time;
    everything after it (reading the data, the query string, building widgets) sees the
    request and the data as they are now — so a decision recorded a minute ago shows.
    """
    if not _preheated():
        return
    from voila.utils import wait_for_request

    _mark_ready()
    wait_for_request()


def _mark_ready() -> None:
    """Tell ``pmkit serve``'s kernel manager (``pmkit.serving``) this preheated kernel is ready,
    so it starts the next kernel of the pools (they fill a few at a time)."""

    folder, kernel_id = os.environ.get(POOL_READY_ENV), os.environ.get("VOILA_KERNEL_ID")
    if not folder or not kernel_id or "/" in kernel_id:
        return
    try:
        (Path(folder) / kernel_id).touch()
    except OSError:  # no marker: the manager's timeout lets the next kernel start
        log.warning("cannot mark this kernel ready in %s", folder)


def _preheated() -> bool:
    return os.environ.get("VOILA_PREHEAT", "False") != "False"


_PREBUILDING: list[bool] = []


def before_request() -> bool:
    """Is this page being built by a preheated kernel before any browser asked for it?

    Work done then (e.g. every project's numbers, so a switch only shows them) costs the
    viewer nothing; the same work in a page built after the request would delay its first
    chart.
    """
    return bool(_PREBUILDING)


def _request_state(warm: tuple[str, ...]) -> tuple[str, str, str]:
    """What a page depends on besides code: the data version, the query string, the date."""
    import datetime

    try:
        key = cache.data_key(sample_data_path()) if warm else ""
    except OSError:
        key = "?"
    return key, os.environ.get("QUERY_STRING", ""), datetime.date.today().isoformat()


def _close_tree(widget: W.Widget) -> None:
    for child in getattr(widget, "children", ()) or ():
        _close_tree(child)
    widget.close()


def _try_adapt(adapt: Callable[[W.Widget, str], bool], page: W.Widget, query: str) -> bool:
    try:
        return bool(adapt(page, query))
    except Exception:  # the page is built again, from scratch
        log.debug("prebuilt page not adapted to %r", query, exc_info=True)
        return False


def _try_build(build: Callable[[], W.Widget]) -> W.Widget:
    try:
        return build()
    except Exception as exc:  # shown on the page, logged for the analyst
        log.exception("dashboard failed to build")
        return W.HTML(error_html(exc))


def safe_build(
    build: Callable[[], W.Widget],
    warm: tuple[str, ...] = ("portfolio",),
    adapt: Callable[[W.Widget, str], bool] | None = None,
) -> W.Widget:
    """Build a dashboard, or a readable error panel if the data cannot be loaded.

    In a preheated kernel the page is built *before* the request, on the shared cached data
    (``warm``: the :mod:`pmkit.cache` parts it needs); after the request it is kept only if
    the data files, the query string and the date are still those it was built with, else it
    is built again — a page is never older than its request. When only the query string
    differs (``?project=P0501`` from a glance link), ``adapt(page, query)`` may turn the
    prebuilt page into the one asked for (a project switch instead of a new page); it returns
    ``False`` (or raises) to have the page built again.
    """
    from pmkit.ui import _look

    setup()
    if not _preheated():
        return _look.attach(_try_build(build))

    if warm:
        cache.prewarm(parts=warm)
    before = _request_state(warm)
    prebuilt = None
    if not before[1]:
        _PREBUILDING.append(True)
        try:
            prebuilt = _try_build(build)
            _look.prepare(prebuilt)  # its first chart's picture, before any request
        finally:
            _PREBUILDING.clear()
    wait_for_page()
    now = _request_state(warm) if prebuilt is not None else before
    if prebuilt is not None and now == before:
        return _look.attach(prebuilt)
    same_data = (now[0], now[2]) == (before[0], before[2])  # only the query string differs
    adapted = prebuilt is not None and adapt is not None and same_data
    if adapted and _try_adapt(adapt, prebuilt, now[1]):  # type: ignore[arg-type]
        return _look.attach(prebuilt)
    if prebuilt is not None:
        _close_tree(prebuilt)
    return _look.attach(_try_build(build))


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The kernel's running event loop; ``None`` outside a kernel (a script, a test): work
    meant for later then runs at once, in order, in the caller's thread.

    A loop merely marked running is not enough: Playwright's sync API leaves its own loop
    marked running in the main thread, and a step put there would never run (a test process
    that drove a browser first, as CI's does)."""
    app = sys.modules.get("ipykernel.kernelapp")  # never imported outside a kernel
    if app is None or not app.IPKernelApp.initialized():
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None

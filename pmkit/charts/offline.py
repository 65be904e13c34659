"""The offline Vega bundle live charts run on, and its one published copy per server.

Altair's ``JupyterChart.enable_offline()`` bundles Vega, Vega-Lite and Vega-Embed (~900 KB)
so a chart draws with no internet. Bundling costs ~2.3 s, so the result is cached on disk per
altair / vl-convert version. Under ``pmkit serve`` the bundle is also published once in the
page template's static folder, named by its content's hash: every chart imports it from there
(a few hundred bytes of widget state instead of the bundle), and the page's ``<head>`` preloads
it (``pmkit serve`` writes that link), so the browser fetches and compiles it while Voila's
own scripts load instead of after the first chart's state has arrived.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import altair as alt

__all__ = ["BUNDLE_PREFIX", "offline_bundle", "publish_bundle", "publish_offline_bundle"]

#: Published bundles are ``pmkit-charts-<16 hex of sha1>.js`` in the template's static folder.
BUNDLE_PREFIX = "pmkit-charts-"


def offline_bundle() -> str:
    """The offline JupyterChart module (and ``alt.JupyterChart`` switched to offline),
    read from the disk cache when this altair / vl-convert pair bundled it before."""
    from importlib.metadata import version

    cls = alt.JupyterChart
    key = hashlib.sha1(f"{version('altair')}-{version('vl-convert-python')}".encode())
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pmkit"
    path = cache / f"jupyterchart-{key.hexdigest()[:12]}.js"
    try:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            cls._esm = text
            cls._is_offline = True
            return text
    except OSError:
        pass
    cls.enable_offline()
    text = str(cls._esm)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # cache unusable: the bundle lives in memory only
        pass
    return text


def publish_bundle(bundle: str, folder: str | os.PathLike[str]) -> str | None:
    """Write ``bundle`` into ``folder`` once, under its content's hash, through a temporary
    file so a server never serves half a file; the name to request (``<file>?v=<hash>``, the
    query lets Tornado's static handler allow long caching), or None if it cannot be written
    (the caller then carries the bundle inline)."""
    data = bundle.encode("utf-8")
    digest = hashlib.sha1(data).hexdigest()[:16]
    path = Path(folder) / f"{BUNDLE_PREFIX}{digest}.js"
    try:
        if not path.is_file() or path.stat().st_size != len(data):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
    except OSError:
        return None
    return f"{path.name}?v={digest}"


def publish_offline_bundle(folder: str | os.PathLike[str]) -> str | None:
    """What ``pmkit serve`` calls at start: the offline bundle published in ``folder``, the
    name its pages preload; None when it cannot be (the pages then simply do not preload)."""
    try:
        return publish_bundle(offline_bundle(), folder)
    except Exception:  # a preload is an optimisation, never a reason not to serve
        return None

"""Where the dashboards' notebooks and the sample portfolio are, installed or in a checkout.

A wheel carries both as package data (``pmkit/_bundle/notebooks`` and ``pmkit/_bundle/data``,
copied there by the build hook in ``setup.py``) and they are found with
:mod:`importlib.resources`. A git checkout (or an editable install) has them at the top of the
repository instead. :func:`init_workspace` writes an editable copy for people who want to change
the notebooks or start their own portfolio (``pmkit init DIR``).

The module also prepares the Voila page template ``pmkit`` (:func:`voila_jupyter_path`): Voila's
stock template links Font Awesome from a CDN, which an offline machine cannot reach; ours serves
the copy of the ``fontawesomefree`` package from the server itself.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from pmkit._version import __version__
from pmkit._voila_css import UnknownBundle, stylesheet_from_bundle
from pmkit.errors import PmkitError
from pmkit.templates import standards_template

__all__ = [
    "ANALYSIS_DIR",
    "EARLY_BUNDLE",
    "NO_MATH",
    "VOILA_STYLE",
    "analysis_notebooks",
    "dashboards_path",
    "init_workspace",
    "is_checkout",
    "sample_path",
    "user_sample_path",
    "voila_jupyter_path",
    "voila_static_dir",
]

#: Sub-folder of the notebooks holding the analyst notebooks (JupyterLab, never served).
ANALYSIS_DIR = "analysis"
_CHECKOUT = Path(__file__).resolve().parents[1]
_TEMPLATE = "pmkit"
#: Environment variable ``pmkit serve`` sets for its kernels: the pmkit template's static
#: folder, which the server publishes at ``{base_url}voila/static/``. A dashboard kernel that
#: sees it writes the offline chart bundle there once and has each chart import it by URL
#: (:mod:`pmkit.ui._common`), instead of carrying the bundle in every chart's widget state.
STATIC_DIR_ENV = "PMKIT_VOILA_STATIC"
#: Environment variable ``pmkit serve`` sets: a folder where each preheated kernel creates a
#: file named by its kernel id once its page is built (``pmkit.serving`` then starts the next).
POOL_READY_ENV = "PMKIT_POOL_READY"
# Files of a portfolio folder that belong to one user's run, never to a template or a copy.
_RUNTIME_FILES = ("decisions_log.csv",)


def is_checkout() -> bool:
    """True when pmkit runs from a git checkout (or an editable install of one)."""
    return (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "notebooks").is_dir()


def _bundled(name: str) -> Path:
    """``pmkit/_bundle/<name>`` of an installed wheel, else the checkout's ``<name>/``."""
    item = resources.files("pmkit") / "_bundle" / name
    if item.is_dir():
        if not isinstance(item, Path):  # a zipped install: Voila needs real folders
            raise PmkitError(
                "pmkit is installed in a zip archive; install it unpacked (pip install pmkit)",
                file=str(item),
            )
        return item
    if is_checkout():
        return _CHECKOUT / name
    raise PmkitError(
        "this pmkit installation carries no bundled files; reinstall it from a wheel",
        file=str(item),
        expected=f"a folder {name}/ inside the installed package",
    )


def dashboards_path() -> Path:
    """The folder of the dashboard notebooks (what ``pmkit serve`` serves)."""
    return _bundled("notebooks")


def analysis_notebooks() -> list[Path]:
    """The analyst notebooks (JupyterLab examples of plan-as-code), sorted by name."""
    return sorted((dashboards_path() / ANALYSIS_DIR).glob("*.ipynb"))


def sample_path() -> Path:
    """The bundled sample portfolio (read it; write to a copy: see :func:`user_sample_path`)."""
    return _bundled("data")


def user_sample_path() -> Path:
    """A writable working copy of the sample for dashboards run from an installed package.

    Dashboards record change-board decisions next to the portfolio, and an installed package's
    folder is no place for them: the copy lives in ``$XDG_DATA_HOME/pmkit/sample`` (default
    ``~/.local/share/pmkit/sample``) and is made once. In a checkout this is the checkout's
    ``data/`` as before.
    """
    if is_checkout():
        return _CHECKOUT / "data"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    target = base / "pmkit" / "sample"
    if not target.is_dir():
        _copy_tree(sample_path(), target)
    return target


def _copy_tree(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` via a temporary sibling, so ``dst`` is never half-written."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dst.name}.", dir=dst.parent))
    try:
        shutil.copytree(
            src,
            tmp / "x",
            ignore=shutil.ignore_patterns(".*", "__pycache__", "*.log", *_RUNTIME_FILES),
        )
        os.replace(tmp / "x", dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _empty_portfolio(dst: Path) -> None:
    """The sample's files with their header row only, plus its standards (the template)."""
    dst.mkdir(parents=True)
    for src in sorted(sample_path().iterdir()):
        if src.suffix == ".csv" and src.name not in _RUNTIME_FILES:
            with src.open(encoding="utf-8") as fh:
                header = fh.readline()
            (dst / src.name).write_text(header, encoding="utf-8")
        elif src.name == "standards.yaml":  # the packaged template, not the sample's rules
            (dst / src.name).write_text(standards_template(), encoding="utf-8")
        elif src.suffix in (".yaml", ".yml", ".md"):
            shutil.copy2(src, dst / src.name)


_README = """# pmkit working folder

- `notebooks/`: the dashboards (served by `pmkit serve`) and `notebooks/analysis/`, worked
  examples to open in JupyterLab (`jupyter lab notebooks/analysis`).
- `data/`: {what}. Edit the CSV files (docs: the pmkit README, "Data model"), then check them
  with `pmkit validate data`.

Serve the dashboards on this folder:

    pmkit serve --data data --notebooks notebooks
"""


def init_workspace(target: str | os.PathLike[str], *, empty: bool = False) -> Path:
    """Write an editable working folder: ``notebooks/`` and a portfolio ``data/``.

    Parameters
    ----------
    target : path-like
        A new or empty folder.
    empty : bool
        Write an empty portfolio (every table's header, the standards template) instead of
        a copy of the sample.

    Raises
    ------
    PmkitError
        ``target`` exists and is not an empty folder (nothing is overwritten).
    """
    root = Path(target)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise PmkitError("not an empty folder; pmkit init never overwrites", file=str(root))
    root.mkdir(parents=True, exist_ok=True)
    _copy_tree(dashboards_path(), root / "notebooks")
    if empty:
        _empty_portfolio(root / "data")
    else:
        _copy_tree(sample_path(), root / "data")
    what = "an empty portfolio with the standards template" if empty else "a copy of the sample"
    (root / "README.md").write_text(_README.format(what=what), encoding="utf-8")
    return root


#: The stable name under which kernels publish the current chart bundle in the template's
#: static folder (``pmkit.ui._common``); the page imports it early (:data:`_INDEX`).
EARLY_BUNDLE = "pmkit-charts.js"

_INDEX = (
    """{%- extends 'lab/index.html.j2' -%}
{#- pmkit: Voila's lab page, with Font Awesome served by this server instead of a CDN. -#}
{%- block notebook_css -%}
{#- pmkit: voila-style.js (a script that inserts Voila's CSS) replaced, at its place, by the same
    CSS as a stylesheet when pmkit could read it out of the script (pmkit._voila_css). -#}
{%- set voila_style = resources.include_js("static/voila-style.js") -%}
{%- set pmkit_style -%}{% include "pmkit-style.html.j2" ignore missing %}{%- endset -%}
{%- set early_chunks -%}{% include "pmkit-early.html.j2" ignore missing %}{%- endset -%}
{{ super()
   | replace(voila_style, pmkit_style if pmkit_style | trim else voila_style)
   | replace('https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5/css/',
             resources.base_url ~ 'voila/static/fontawesome/css/') }}
<script>
/* pmkit: a page's charts need the chart bundle as soon as the widget states arrive; start
   fetching and evaluating it when the page asks for its kernel (the main thread then mostly
   waits for the kernel), not after the states. Same URL as the charts' import: one copy. */
(function () {
  if (!("PerformanceObserver" in window)) return;
  var started = false;
  var obs = new PerformanceObserver(function (list) {
    if (started || !list.getEntries().some(function (e) {
      return e.name.indexOf("/api/kernels/") >= 0; })) return;
    started = true;
    obs.disconnect();
    import({{ (resources.base_url ~ 'voila/static/"""
    + EARLY_BUNDLE
    + """') | tojson }})
      .catch(function () {});
    /* and the widget controls' chunks, which the widget manager fetches only once the widget
       states have arrived (pmkit.bundle._write_early_chunks): run now, they are installed
       when it asks for them, and not fetched again */
    ({{ early_chunks | trim or "[]" }}).forEach(function (path) {
      var s = document.createElement("script");
      s.src = {{ resources.base_url | tojson }} + path;
      s.async = true;
      document.head.appendChild(s);
    });
  });
  try { obs.observe({type: "resource"}); } catch (e) {}
})();
/* pmkit: ipywidgets' output renderer asks the widget manager for its model, polling for 2 s
   with no last look after its last wait; if the models arrive (the manager restored) within
   that last wait, it reads restoredStatus true and shows "Error displaying widget: model not
   found" for good (it renders again on the manager's restored signal only when the restore
   was still running). On a loaded server, 5 of 120 returning viewers' pages stayed so
   (bench/bench_load.py --returning, 20 viewers). Here restoredStatus reads false until 1 s
   after each restore, then restored is emitted again: a renderer that lost the race renders
   then. */
(function () {
  function gate(m) {
    if (!m || m.pmkitRestoreGate || !("_restoredStatus" in m) || !m._restored
        || typeof m._restored.connect !== "function" || window.pmkitNoRestoreGate) return;
    m.pmkitRestoreGate = true;
    var settling = 0, own = false;
    // read by a renderer that gave up on its model: false while settling, and that renderer
    // is counted (window.pmkitRestoreRescued, bench_load.py's "resc")
    Object.defineProperty(m, "restoredStatus", {configurable: true, get: function () {
      if (m._restoredStatus && settling) {
        window.pmkitRestoreRescued = (window.pmkitRestoreRescued || 0) + 1;
        return false;
      }
      return !!m._restoredStatus;
    }});
    m._restored.connect(function () {
      if (own) return;
      settling += 1;
      setTimeout(function () {
        settling -= 1;
        if (settling) return;
        own = true;
        try { m._restored.emit(undefined); } finally { own = false; }
      }, 1000);
    });
  }
  function watch(app) {
    try { app.widgetManagerPromise.promise.then(gate); } catch (e) {}
  }
  var app = window.jupyterapp;
  if (app) return watch(app);
  Object.defineProperty(window, "jupyterapp", {configurable: true, enumerable: true,
    get: function () { return app; },
    set: function (v) { app = v; watch(v); }});
})();
</script>
<style>
/* pmkit: a page's first look (pmkit.ui._look), shown in place of the page until its live
   chart has drawn; the live page is laid out under it, hidden, then takes its place. The
   look is markup in the page; Voila's spinner stays until all of it has been parsed (its
   inline call then marks it ready): never half a look. */
#rendered_cells:has(.pmkit-look-ready) {display: block !important;}
body:has(.pmkit-look-ready) #loading {display: none !important;}
.pmkit-look:not(.pmkit-look-ready) {display: none;}
.jp-OutputArea-child:has(> .pmkit-look) {position: relative;}
.pmkit-look ~ .jp-OutputArea-output {
  position: absolute !important; visibility: hidden !important; left: 0; right: 0; top: 0;
}
.pmkit-look {position: relative; font-family: var(--jp-ui-font-family, sans-serif);
  font-size: 13px; color: var(--jp-ui-font-color1, #000);}
/* the note sits over the page's top right corner: the page below keeps the live layout */
.pmkit-look-note {position: absolute; top: 0; right: 0; z-index: 1; margin: 0;
  padding: 2px 8px; font-size: 12px; background: var(--jp-layout-color2, #eee);
  color: var(--jp-ui-font-color1, #000); border-radius: 4px;}
/* ipywidgets' own metrics (its CSS arrives with the scripts): boxes, 2 px margins, 28 px lines */
.pmkit-look-col, .pmkit-look-row {display: flex; box-sizing: border-box; margin: 0;}
.pmkit-look-col {flex-direction: column;}
.pmkit-look-row {flex-direction: row;}
.pmkit-look-html {margin: 2px; line-height: 28px; font-size: 13px;}
.pmkit-look-control {display: flex; flex: none; align-items: baseline; box-sizing: border-box;
  width: 300px; height: 28px; margin: 2px; line-height: 28px; overflow: hidden;
  white-space: nowrap; color: var(--jp-ui-font-color2, #555);}
.pmkit-look-label {flex-shrink: 0; width: 80px; margin-right: 8px; text-align: right;}
.pmkit-look-chart {display: block; align-self: flex-start; max-width: none; margin: 0;}
/* a tab widget (ipywidgets 8's metrics): the bar as text, the selected tab's content below */
.pmkit-look-tabs {display: flex; flex-direction: column; box-sizing: border-box; margin: 2px;}
.pmkit-look-tabbar {display: flex; flex-direction: row; align-items: flex-end; min-height: 25px;
  font: 13px Helvetica, Arial, sans-serif;}
.pmkit-look-tab {position: relative; flex: 0 1 144px; min-width: 35px; min-height: 25px;
  box-sizing: border-box; overflow: hidden; white-space: nowrap; line-height: 24px;
  margin-left: -1px; padding: 0 10px; background: var(--jp-layout-color2, #eee);
  color: var(--jp-ui-font-color2, #616161); border: 1px solid var(--jp-border-color1, #bdbdbd);
  border-bottom: none;}
.pmkit-look-tab:first-child {margin-left: 0;}
.pmkit-look-tab-current {color: var(--jp-ui-font-color0, #000); min-height: 26px;
  background: var(--jp-layout-color1, #fff); transform: translateY(1px); overflow: visible;}
.pmkit-look-tab-current:before {position: absolute; top: -1px; left: -1px; content: '';
  height: 2px; width: calc(100% + 2px); background: var(--jp-brand-color1, #1976d2);}
.pmkit-look-tabpanel {width: 100%; box-sizing: border-box; margin: 0; flex-grow: 1;
  background: var(--jp-layout-color1, #fff); border: 1px solid var(--jp-border-color1, #bdbdbd);
  padding: 15px; overflow: auto;}
</style>
<script>
/* pmkit: a first look has been parsed (markup written by the template, just before this
   call, inside a <template>: parsed by the page's own parser, but off the page until now):
   put it on the page in one step, show it, remove it when the live page's chart has drawn. */
window.pmkitLook = function (script) {
  var look = script.previousElementSibling;
  script.remove();  // the template's own call, done: no script is left among the outputs
  var markup = look.querySelector("template");
  if (markup) markup.replaceWith(markup.content);
  look.classList.add("pmkit-look-ready");
  var cell = look.parentNode;
  function drawn() {
    var live = cell.querySelector(".jp-OutputArea-output .vega-embed");
    return live && live.querySelector("svg .role-mark, canvas");
  }
  // The live page shows an error instead of a chart, or its widgets are on the page but no
  // chart drew within 20 s (window.pmkitLookWaitMs): the look goes, never hiding the page.
  function failed() {
    return cell.querySelector('.jp-OutputArea-output[data-mime-type$="stderr"], '
      + '.jp-OutputArea-output [data-mime-type$="stderr"], [data-mime-type*="error"]');
  }
  var timer = null;
  function done() {
    obs.disconnect();
    if (timer !== null) clearTimeout(timer);
    look.remove();
  }
  var obs = new MutationObserver(function () {
    if (drawn() || failed()) return done();
    // (a widget output that could not render is itself .jupyter-widgets, with its error)
    if (timer === null && cell.querySelector(
        ".jp-OutputArea-output .jupyter-widgets, .jp-OutputArea-output.jupyter-widgets")) {
      timer = setTimeout(done, window.pmkitLookWaitMs || 20000);
    }
  });
  obs.observe(cell, {childList: true, subtree: true});
};
</script>
{%- endblock notebook_css -%}

{%- block data_priority scoped -%}
{%- if output -%}
{%- set look = (output.get("data") or {}).pop("application/vnd.pmkit.first-look+json", none) -%}
  <script type="application/vnd.voila.cell-output+json">
    {{ output | trusted | tojson }}
  </script>
{%- if look is mapping and look.get("html") is string %}
{#- the look's markup is built safe to write as it is (pmkit.ui._look: texts escaped, the
    HTML widgets' HTML balanced and script-free); in a <template>, the parser builds it off
    the page (no style, layout or :has() checks per element), the call below inserts it once #}
<div class="pmkit-look" inert aria-busy="true"><p class="pmkit-look-note" role="status">Loading
interactions…</p><div class="pmkit-look-page"><template>{{ look["html"] }}</template></div></div>
<script>pmkitLook(document.currentScript);</script>
{%- endif -%}
{%- endif -%}
{%- endblock data_priority -%}
"""
)


#: The page's LaTeX typesetter script, in the template's static folder (:data:`_NO_MATH`).
NO_MATH = "pmkit-nomath.js"

# Voila's page hands every page to a LaTeX typesetter at start-up (its render-outputs plugin
# typesets an empty element, then each markdown output). With no ``mathjax_url`` that is
# JupyterLab's bundled MathJax 3: 16 more scripts (0.85 MB) fetched, evaluated and set up on
# every page. pmkit's pages show no LaTeX (every text is a widget's HTML or a chart), so
# ``pmkit serve`` points ``mathjax_url`` here instead: Voila then takes its MathJax 2 path,
# which loads this file and calls the API below; nothing is typeset, text stays as written
# (a "$" in a name stays a dollar sign). Only the calls that path and ipywidgets make exist.
_NO_MATH = """/* pmkit: no LaTeX on the dashboards; MathJax 2's API, typesetting nothing. */
(function () {
  function none() {}
  window.MathJax = {
    Hub: {Config: none, Configured: none, Queue: none, Register: {StartupHook: none}},
    Ajax: {},
    InputJax: {TeX: {resetEquationNumbers: none}},
  };
})();
"""

# Voila's base page.html (tree, errors) links Font Awesome 4.5 from a CDN outside any block, so
# the pmkit template carries its own page.html: the same page, with the lab template's styles.
_PAGE = """<!DOCTYPE HTML>
<html>
  <head>
    <meta charset="utf-8">
    <title>{% block title %} Voilà {% endblock %}</title>
    <meta http-equiv="X-UA-Compatible" content="IE=edge" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    {% block stylesheets %}
    {% if include_css %}
      {{ include_css("static/index.css") }}
      {% if theme == 'dark' %}{{ include_css("static/theme-dark.css") }}
      {% elif theme == 'light' %}{{ include_css("static/theme-light.css") }}
      {% else %}{{ include_lab_theme(theme) }}{% endif %}
    {% endif %}
    {% endblock %}
    <link rel="stylesheet" href="{{ base_url }}voila/static/fontawesome/css/all.min.css">
    <link rel="stylesheet" href="{{ base_url }}voila/static/fontawesome/css/v4-shims.min.css">
    {% block meta %}{% endblock %}
  </head>
  <body data-base-url="{{ base_url }}voila/" data-voila="voila">
    <noscript><div id='noscript'>
      {% trans %} Voilà requires JavaScript. Please enable it to proceed. {% endtrans %}
    </div></noscript>
    <div>{% block body %}{% endblock %}</div>
    {% block scripts %}{% endblock %}
  </body>
</html>
"""


def _fontawesome_static() -> Path | None:
    """The ``fontawesomefree`` package's css/webfonts folder, if installed."""
    try:
        item = resources.files("fontawesomefree") / "static" / "fontawesomefree"
    except ModuleNotFoundError:
        return None
    return item if isinstance(item, Path) and item.is_dir() else None


def _copy_fontawesome(src: Path, dst: Path) -> None:
    """Copy Font Awesome's css/ and webfonts/ (a real copy: Voila's static handler refuses
    files that resolve outside its folders, so a symlink would not do). Redone only when the
    source changes, through a temporary sibling so a running server never sees half a copy."""
    stamp = f"{src.resolve()} {(src / 'css' / 'all.min.css').stat().st_mtime_ns}\n"
    marker = dst / ".source"
    if marker.is_file() and marker.read_text(encoding="utf-8") == stamp:
        return
    tmp = Path(tempfile.mkdtemp(prefix=".fontawesome.", dir=dst.parent))
    try:
        for part in ("css", "webfonts"):
            shutil.copytree(src / part, tmp / part)
        if (src / "LICENSE.txt").is_file():  # fonts SIL OFL 1.1, code MIT: keep the notice
            shutil.copy2(src / "LICENSE.txt", tmp / "LICENSE.txt")
        (tmp / ".source").write_text(stamp, encoding="utf-8")
        if dst.is_symlink() or dst.is_file():
            dst.unlink()
        elif dst.exists():
            shutil.rmtree(dst)
        with contextlib.suppress(OSError):  # another server just put the same copy in place
            os.replace(tmp, dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_if_changed(path: Path, text: str) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


#: Voila's CSS as a stylesheet (:func:`_write_voila_style`), in the template's static folder.
VOILA_STYLE = "pmkit-voila-style.css"

# The template includes this file in the head where Voila's ``voila-style.js`` would be; it
# exists only when that script's CSS could be read (else the page keeps Voila's script).
_STYLE_INCLUDE = "pmkit-style.html.j2"
_STYLE_LINK = '{{ resources.include_css("static/' + VOILA_STYLE + '") }}\n'


def _voila_style_script() -> Path | None:
    """The ``voila-style.js`` Voila serves for the ``lab`` template: the first found in the
    Jupyter data path, ``lab`` before ``base`` (Voila's own lookup order)."""
    from jupyter_core.paths import jupyter_path

    for name in ("lab", "base"):
        for root in jupyter_path("voila", "templates", name, "static"):
            if (Path(root) / "voila-style.js").is_file():
                return Path(root) / "voila-style.js"
    return None


def _write_voila_style(tpl: Path) -> None:
    """Voila's page runs ``voila-style.js`` (344 KB, synchronous, in the head) only to insert
    its CSS: write that CSS as a stylesheet the page links at the script's place (cached and
    parsed as CSS, off the main thread's script work). Unknown script → Voila's script stays."""
    include = tpl / _STYLE_INCLUDE
    script = _voila_style_script()
    try:
        if script is None:
            raise UnknownBundle("no voila-style.js found")
        css = stylesheet_from_bundle(script.read_text(encoding="utf-8"))
    except (UnknownBundle, OSError, ValueError) as exc:
        logging.getLogger(__name__).warning("pmkit: Voila's styles stay a script (%s)", exc)
        include.unlink(missing_ok=True)
        return
    head = f"/* pmkit: the CSS {script.name} inserts, in its order ({len(css)} style elements) */\n"
    _write_if_changed(tpl / "static" / VOILA_STYLE, head + "\n".join(css))
    _write_if_changed(include, _STYLE_LINK)


_EARLY_INCLUDE = "pmkit-early.html.j2"
_CONTROLS = "@jupyter-widgets/controls"


def _controls_chunk_paths() -> list[str]:
    """URL paths (under the base URL) of the chunks the widget extension's webpack loads for
    ``@jupyter-widgets/controls``, read from its ``remoteEntry``: the chunk ids of that shared
    module's factory, named by the entry's own ``u`` function (``<id>.<hash>.js[?v=<hash>]``),
    kept only when the file is there. Anything unexpected: none (the page fetches them late,
    as before)."""
    from jupyter_core.paths import jupyter_path

    name = "@jupyter-widgets/jupyterlab-manager"
    for root in jupyter_path("labextensions"):
        static = Path(root) / name / "static"
        entries = sorted(static.glob("remoteEntry.*.js")) if static.is_dir() else []
        if len(entries) != 1:
            continue
        js = entries[0].read_text(encoding="utf-8")
        factory = re.search(
            rf'name:"{re.escape(_CONTROLS)}",version:"[^"]*",factory:\(\)=>Promise\.all\(\[([^\]]*)\]\)',
            js,
        )
        names = re.search(
            r'\.u=(\w)=>""\+\1\+"\."\+\((\{[^}]*\})\)\[\1\]\+"\.js(\?v=)?"'
            r"(?:\+\((\{[^}]*\})\)\[\1\])?",
            js,
        )
        if factory is None or names is None:
            return []
        hashes = dict(re.findall(r'(\d+):"([0-9a-f]+)"', names.group(2)))
        versions = dict(re.findall(r'(\d+):"([0-9a-f]+)"', names.group(4) or ""))
        paths = []
        for chunk in re.findall(r"\w\.e\((\d+)\)", factory.group(1)):
            if chunk not in hashes or not (static / f"{chunk}.{hashes[chunk]}.js").is_file():
                continue  # a chunk of another container (a shared dependency): not ours
            query = f"?v={versions.get(chunk, '')}" if names.group(3) else ""
            paths.append(f"voila/labextensions/{name}/static/{chunk}.{hashes[chunk]}.js{query}")
        return paths
    return []


def _write_early_chunks(tpl: Path) -> None:
    """The widget manager fetches ``@jupyter-widgets/controls`` (two chunks, ~150 KB) only
    when the widget states have arrived: a request serialised after the kernel's answer on
    every page. The template runs them when the page asks for its kernel (webpack's chunk
    array installs them; the manager then finds them loaded). None found: no include."""
    import json

    include = tpl / _EARLY_INCLUDE
    try:
        paths = _controls_chunk_paths()
    except (OSError, ValueError):
        paths = []
    if not paths:
        include.unlink(missing_ok=True)
        return
    _write_if_changed(include, "{{ " + json.dumps(paths) + " | tojson }}\n")


def _template_digest() -> str:
    """A short hash of the page template's text: two pmkit trees of one version (a checkout
    and a benchmark's baseline) never serve each other's template."""
    import hashlib

    return hashlib.sha1((_INDEX + _PAGE + _NO_MATH).encode("utf-8")).hexdigest()[:8]


def voila_jupyter_path(cache: str | os.PathLike[str] | None = None) -> Path:
    """A Jupyter data folder holding the ``pmkit`` Voila template; put it on ``JUPYTER_PATH``.

    The template extends Voila's ``lab`` page and points its two Font Awesome links at
    ``/voila/static/fontawesome/``, a copy of the ``fontawesomefree`` package's files, so a
    dashboard asks nothing of any host but its own server. The folder is made under the user's
    cache (``$XDG_CACHE_HOME/pmkit``) because an installed package's folder may be read-only.
    """
    base = (
        Path(cache or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        / "pmkit"
        / f"voila-{__version__}-{_template_digest()}"
    )
    tpl = voila_static_dir(base).parent
    (tpl / "static").mkdir(parents=True, exist_ok=True)
    _write_if_changed(tpl / "conf.json", '{"base_template": "lab"}\n')
    _write_if_changed(tpl / "index.html.j2", _INDEX)
    _write_if_changed(tpl / "page.html", _PAGE)
    _write_if_changed(tpl / "static" / NO_MATH, _NO_MATH)
    _write_voila_style(tpl)
    _write_early_chunks(tpl)
    fa = _fontawesome_static()
    if fa is not None:
        _copy_fontawesome(fa, tpl / "static" / "fontawesome")
    return base


def voila_static_dir(jupyter_path: Path) -> Path:
    """The ``pmkit`` template's static folder under a :func:`voila_jupyter_path` folder;
    Voila serves its files at ``{base_url}voila/static/<name>``."""
    return jupyter_path / "voila" / "templates" / _TEMPLATE / "static"

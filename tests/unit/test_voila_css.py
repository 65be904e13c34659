"""Voila's ``voila-style.js`` read as the CSS it inserts (pmkit._voila_css), and the fallback.

The browser test ``tests/browser/test_voila_style.py`` holds the served pages to it: the same
rules in the page's CSSOM and the same pixels as with Voila's script.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

import pmkit.bundle as bundle
from pmkit._voila_css import UnknownBundle, stylesheet_from_bundle

# A bundle of webpack's css-loader / style-loader shapes, as voila-style.js is minified: a
# module of plain CSS (escapes), one importing it with a file URL (with and without a hash)
# and a data URL, a file module, a data module, then the two injections in the entry.
_CSS_A = r'"a{color:red}\n.b::after{content:\"\u00e9\\\\\"}\t/* \x41 */"'
_CSS_B = "`@font-face{src:url(${C});src:url(${L})}.i{background:url(${D})}`"
_MODULES = {
    "10": "(e,n,o)=>{o.d(n,{A:()=>c});var t=o(4786),a=o.n(t),r=o(9451),f=o.n(r)()(a());"
    f'f.push([e.id,{_CSS_A},""]);const c=f}}',
    "11": "(e,n,o)=>{o.d(n,{A:()=>s});var t=o(4786),a=o.n(t),r=o(9451),f=o.n(r),c=o(7298),"
    "i=o.n(c),l=new URL(o(20),o.b),d=new URL(o(21),o.b),x=f()(a()),p=o(10),C=i()(l),"
    'L=i()(l,{hash:"?#iefix"}),D=i()(d);x.i(p.A),'
    f'x.push([e.id,{_CSS_B},""]);const s=x}}',
    "20": '(e,n,o)=>{e.exports=o.p+"abc123.woff2"}',
    "21": "e=>{e.exports=\"data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg'%3e"
    '%3c/svg%3e"}',
}
_ENTRY = (
    'var h=o(11),g={};g.styleTagTransform=m(),g.insert=i().bind(null,"head"),a()(h.A,g);'
    'var u=o(10),v={};v.styleTagTransform=m(),v.insert=i().bind(null,"head"),a()(u.A,v)'
)


def _bundle(modules: dict[str, str] = _MODULES, entry: str = _ENTRY) -> str:
    body = ",".join(f"{k}:{v}" for k, v in modules.items())
    return f'(()=>{{"use strict";var e={{{body}}},n={{}};function o(t){{}}{entry}}})();'


def test_each_inserted_style_in_order_imports_first_each_once() -> None:
    assert stylesheet_from_bundle(_bundle()) == [
        'a{color:red}\n.b::after{content:"\u00e9\\\\"}\t/* A */',
        "@font-face{src:url(abc123.woff2);src:url(abc123.woff2?#iefix)}"
        ".i{background:url(\"data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg'"
        '%3e%3c/svg%3e")}',
    ]  # module 10 is in module 11's list: inserted then, not again by the second injection


@pytest.mark.parametrize(
    ("where", "old", "new"),
    [
        ("10", ',""]);', ',"screen"]);'),  # a media query: the style would need wrapping
        ("11", "x.i(p.A)", 'x.i(p.A,"print")'),  # an import with media
        ("10", "a{color:red}", "@import url(x.css);a{color:red}"),  # not valid mid-file
        ("20", 'o.p+"abc123.woff2"', "o.p+o.u(3)"),  # an asset this reader does not know
        ("11", "${C}", "${C+1}"),  # an expression in the template literal
    ],
)
def test_an_unknown_shape_is_refused(where: str, old: str, new: str) -> None:
    modules = {**_MODULES, where: _MODULES[where].replace(old, new)}
    with pytest.raises(UnknownBundle):
        stylesheet_from_bundle(_bundle(modules))


def test_no_injection_or_a_mismatched_one_is_refused() -> None:
    with pytest.raises(UnknownBundle):
        stylesheet_from_bundle(_bundle(entry=""))
    with pytest.raises(UnknownBundle):
        stylesheet_from_bundle(_bundle(entry=_ENTRY.replace("a()(u.A,v)", "a()(u.A,g)")))


def _installed() -> Path:
    script = bundle._voila_style_script()
    if script is None:
        pytest.skip("Voila's voila-style.js not installed")
    return script


def test_the_installed_script_is_read_as_node_runs_it(tmp_path: Path) -> None:
    """The installed Voila's ``voila-style.js`` run by Node against a minimal DOM (an
    independent reading: V8 runs the real script) inserts exactly the texts read here."""
    script = _installed()
    read = stylesheet_from_bundle(script.read_text(encoding="utf-8"))
    assert len(read) > 40 and sum(map(len, read)) > 200_000
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node: the browser test compares the page's CSSOM instead")
    base = "http://pmkit.test/voila/templates/pmkit/static/"
    runner = tmp_path / "run.js"
    runner.write_text(_NODE_DOM.replace("BASE", base), encoding="utf-8")
    out = tmp_path / "out.json"
    subprocess.run([node, str(runner), str(script), str(out)], check=True, timeout=60)
    ran = [t.replace(base, "") for t in json.loads(out.read_text(encoding="utf-8"))]
    assert ran == read


_NODE_DOM = """
const fs = require("fs");
const head = {children: [], appendChild(c) { this.children.push(c); return c; }};
function el(tag) { return {tagName: tag.toUpperCase(), nodes: [], get firstChild() {
  return this.nodes[0] || null; }, setAttribute() {}, appendChild(c) { this.nodes.push(c); },
  removeChild(c) { this.nodes.splice(this.nodes.indexOf(c), 1); }, get parentNode() {
  return head; }}; }
global.document = {currentScript: {tagName: "SCRIPT", src: "BASEvoila-style.js?v=1"},
  baseURI: "BASE../../../render/x.ipynb", querySelector: s => (s === "head" ? head : null),
  createElement: el, createTextNode: t => ({text: t}), getElementsByTagName: () => []};
global.window = global;
global.self = {location: {href: document.baseURI}};
eval(fs.readFileSync(process.argv[2], "utf8"));
fs.writeFileSync(process.argv[3], JSON.stringify(
  head.children.map(s => s.nodes.map(t => t.text).join(""))));
"""


def test_the_template_folder_links_the_css_or_keeps_the_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A readable script: its CSS and the template's include of it are written. Anything
    else: no include, so the page keeps Voila's script (and a warning says why)."""
    _installed()
    root = bundle.voila_jupyter_path(tmp_path / "a")
    static = bundle.voila_static_dir(root)
    assert (static.parent / "pmkit-style.html.j2").read_text(encoding="utf-8").count(
        bundle.VOILA_STYLE
    ) == 1
    css = (static / bundle.VOILA_STYLE).read_text(encoding="utf-8")
    assert "--jp-layout-color1" in css
    odd = tmp_path / "voila-style.js"
    odd.write_text("(()=>{console.log('not css-loader')})();", encoding="utf-8")
    monkeypatch.setattr(bundle, "_voila_style_script", lambda: odd)
    try:
        root = bundle.voila_jupyter_path(tmp_path / "a")
        assert not (bundle.voila_static_dir(root).parent / "pmkit-style.html.j2").exists()
    finally:
        monkeypatch.undo()


def _manager(root: Path, entry: str, files: list[str]) -> None:
    static = root / "@jupyter-widgets" / "jupyterlab-manager" / "static"
    static.mkdir(parents=True)
    (static / "remoteEntry.abc.js").write_text(entry, encoding="utf-8")
    for f in files:
        (static / f).write_text("//", encoding="utf-8")


_ENTRY_JS = (
    'I.u=e=>""+e+"."+({121:"aa11",718:"bb22",7:"cc33"})[e]+".js?v="+({121:"aa11",718:"bb22",'
    '7:"cc33"})[e],{name:"@jupyter-widgets/controls",version:"5.0.13",factory:()=>Promise.all('
    "[I.e(718),I.e(490),I.e(121)]).then(()=>()=>I(3816)),eager:0}"
)


def test_the_controls_chunks_are_named_as_the_widget_extension_names_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunks of ``@jupyter-widgets/controls`` the template runs early are the ones the
    extension's webpack would fetch (its factory's ids, its own file names and ``?v=``),
    only files it has (490 is another container's); an unknown entry gives none."""
    import jupyter_core.paths

    _manager(tmp_path / "a", _ENTRY_JS, ["718.bb22.js", "121.aa11.js", "7.cc33.js"])
    _manager(tmp_path / "b", _ENTRY_JS.replace("factory:", "get:"), ["718.bb22.js"])
    found = {"a": tmp_path / "a", "b": tmp_path / "b"}
    try:
        monkeypatch.setattr(jupyter_core.paths, "jupyter_path", lambda *p: [str(found["a"])])
        base = "voila/labextensions/@jupyter-widgets/jupyterlab-manager/static/"
        assert bundle._controls_chunk_paths() == [
            f"{base}718.bb22.js?v=bb22",
            f"{base}121.aa11.js?v=aa11",
        ]
        monkeypatch.setattr(jupyter_core.paths, "jupyter_path", lambda *p: [str(found["b"])])
        assert bundle._controls_chunk_paths() == []
    finally:
        monkeypatch.undo()


def test_the_installed_widget_extension_gives_its_controls_chunks() -> None:
    paths = bundle._controls_chunk_paths()
    if not paths:
        pytest.skip("no @jupyter-widgets/jupyterlab-manager of the known shape installed")
    assert all("/jupyterlab-manager/static/" in p and ".js" in p for p in paths)

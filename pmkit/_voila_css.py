"""Voila's page styles as a stylesheet instead of a script.

Voila's page loads ``voila-style.js`` (344 KB) synchronously in ``<head>``: a webpack bundle
of css-loader modules whose only work is to insert ~60 ``<style>`` elements (JupyterLab's and
the widgets' CSS, Font Awesome's) into the head, in a fixed order. Every page pays for fetching,
compiling and running that script on the main thread before anything else, and a script is
not cached as a stylesheet is. :func:`stylesheet_from_bundle` reads the same CSS out of the
bundle's text, in the order the script inserts it, so the page can link it as a real
stylesheet at the script's place (same cascade). It understands exactly the shapes webpack's
css-loader and style-loader emit; anything else raises :class:`UnknownBundle` and the page
keeps Voila's script (``pmkit.bundle`` falls back).

Font and image URLs, which the script builds from its own URL (webpack's automatic public
path), are written relative: the stylesheet is served from the same folder as the script.
"""

from __future__ import annotations

import re

__all__ = ["UnknownBundle", "stylesheet_from_bundle"]

_ID = r"[\w$]+"
_MODULE_START = re.compile(rf"[{{,](\d+):(?:\(({_ID})(?:,{_ID})*\)|({_ID}))=>\{{")
_ASSET = re.compile(rf"({_ID})\.exports=({_ID})\.p\+\"([\w.-]+)\"\}}")
_DATA = re.compile(rf"({_ID})\.exports=(\"(?:[^\"\\\n]|\\.)*\")\}}", re.S)
_SIMPLE_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0",
}  # fmt: skip


class UnknownBundle(ValueError):
    """The bundle is not made of the css-loader/style-loader shapes this module reads."""


def _read_string(text: str, i: int) -> tuple[list[str | tuple[str]], int]:
    """The JS string or template literal starting at ``text[i]``: its cooked parts (text, or
    ``(name,)`` for a ``${name}`` substitution) and the index just past its closing quote."""
    quote = text[i]
    if quote not in "\"'`":
        raise UnknownBundle(f"no string at {i}")
    parts: list[str | tuple[str]] = []
    buf: list[str] = []
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == quote:
            parts.append("".join(buf))
            return parts, j + 1
        if c == "\\":
            j, ch = _escape(text, j + 1)
            buf.append(ch)
            continue
        if quote == "`" and text.startswith("${", j):
            end = text.index("}", j)
            name = text[j + 2 : end]
            if not re.fullmatch(_ID, name):
                raise UnknownBundle(f"substitution {name[:40]!r} at {j}")
            parts.append("".join(buf))
            buf = []
            parts.append((name,))
            j = end + 1
            continue
        if quote != "`" and c in "\r\n":
            raise UnknownBundle(f"line break in a string at {j}")
        buf.append(c)
        j += 1
    raise UnknownBundle("unterminated string")


def _escape(text: str, j: int) -> tuple[int, str]:
    """One escape sequence after a backslash at ``j - 1``: (index past it, its character)."""
    c = text[j]
    if c in _SIMPLE_ESCAPES and not (c == "0" and text[j + 1 : j + 2].isdigit()):
        return j + 1, _SIMPLE_ESCAPES[c]
    if c == "x":
        return j + 3, chr(int(text[j + 1 : j + 3], 16))
    if c == "u":
        if text[j + 1] == "{":
            end = text.index("}", j)
            return end + 1, chr(int(text[j + 2 : end], 16))
        return _utf16(text, j + 1)
    if c == "\r":
        return (j + 2 if text[j + 1 : j + 2] == "\n" else j + 1), ""
    if c in "\n\u2028\u2029":
        return j + 1, ""
    if c.isdigit():
        raise UnknownBundle(f"octal escape at {j}")
    return j + 1, c


def _utf16(text: str, k: int) -> tuple[int, str]:
    """``\\uXXXX`` at ``k`` (after the ``u``), joining a surrogate pair written as two."""
    unit = int(text[k : k + 4], 16)
    if 0xD800 <= unit < 0xDC00 and text.startswith("\\u", k + 4):
        low = int(text[k + 6 : k + 10], 16)
        if 0xDC00 <= low < 0xE000:
            return k + 10, chr(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
    return k + 4, chr(unit)


def _modules(js: str) -> dict[str, str]:
    """Each module's id and body text (from its arrow's brace to the next module's start)."""
    starts = list(_MODULE_START.finditer(js))
    out: dict[str, str] = {}
    for k, m in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(js)
        out.setdefault(m.group(1), js[m.end() : end])
    return out


def _url_value(raw: str, hash_: str) -> str:
    """What css-loader's ``getUrl`` writes for ``new URL(raw, base)`` (a data URL or a file
    name relative to the script's folder) and an optional hash."""
    if raw.startswith("data:"):
        # The URL parser drops tabs and newlines and percent-encodes what is not printable ASCII.
        raw = re.sub(r"[\t\n\r]", "", raw)
        raw = "".join(c if 0x20 <= ord(c) < 0x7F else _pct(c) for c in raw)
    url = raw + hash_
    if re.search(r"[\"'() \t\n]|%20", url):
        return '"' + url.replace('"', '\\"').replace("\n", "\\n") + '"'
    return url


def _pct(c: str) -> str:
    return "".join(f"%{b:02X}" for b in c.encode("utf-8"))


class _Reader:
    """The css-loader modules of one bundle, read on demand."""

    def __init__(self, js: str) -> None:
        self.bodies = _modules(js)
        self.lists: dict[str, list[tuple[str, str]]] = {}

    def asset(self, mid: str) -> str:
        body = self.bodies.get(mid, "")
        if m := _ASSET.match(body):
            return m.group(3)
        if m := _DATA.match(body):
            text = _read_string(m.group(2), 0)[0]
            return "".join(p for p in text if isinstance(p, str))
        raise UnknownBundle(f"module {mid} is neither a file nor a data URL")

    def items(self, mid: str) -> list[tuple[str, str]]:
        """Module ``mid``'s css-loader list: (module id, CSS) items, imports first."""
        if mid not in self.lists:
            self.lists[mid] = self._read_list(mid)
        return self.lists[mid]

    def _read_list(self, mid: str) -> list[tuple[str, str]]:
        body = self.bodies.get(mid)
        if body is None:
            raise UnknownBundle(f"no module {mid}")
        push = re.search(rf"({_ID})\.push\(\[({_ID})\.id,", body)
        if push is None:
            raise UnknownBundle(f"module {mid} pushes no CSS")
        lst, head = push.group(1), body[: push.start()]
        requires = dict(re.findall(rf"({_ID})=[\w$]+\((\d+)\)", head))
        urls = dict(re.findall(rf"({_ID})=new URL\([\w$]+\((\d+)\),[\w$]+\.b\)", head))
        values: dict[str, str] = {}
        for name, url, hash_ in re.findall(
            rf"({_ID})=[\w$]+\(\)\(({_ID})(?:,\{{hash:\"([^\"\\]*)\"\}})?\)", head
        ):
            if url in urls:
                values[name] = _url_value(self.asset(urls[url]), hash_)
        out: list[tuple[str, str]] = []
        for call in re.finditer(rf"\b{re.escape(lst)}\.i\(([^)]*)\)", head):
            m = re.fullmatch(rf"({_ID})\.A", call.group(1))
            if m is None or m.group(1) not in requires:
                raise UnknownBundle(f"module {mid} imports {call.group(1)[:40]!r}")
            out += self.items(requires[m.group(1)])
        parts, end = _read_string(body, push.end())
        if not body.startswith(',""])', end):
            raise UnknownBundle(f"module {mid}: media, source map or layer after its CSS")
        css = []
        for p in parts:
            if isinstance(p, tuple):
                if p[0] not in values:
                    raise UnknownBundle(f"module {mid}: unknown value {p[0]}")
                css.append(values[p[0]])
            else:
                css.append(p)
        out.append((mid, "".join(css)))
        return out


def stylesheet_from_bundle(js: str) -> list[str]:
    """The CSS texts ``voila-style.js`` inserts, one per ``<style>`` element, in order.

    Follows style-loader: each injected module's list (its imports' items first) is inserted
    item by item, an item's n-th occurrence in one list being one identifier, and an
    identifier already in the page is not inserted again.

    Raises
    ------
    UnknownBundle
        A shape this reader does not know: the caller keeps the script.
    """
    reader = _Reader(js)
    injected = re.findall(rf"({_ID})=[\w$]+\((\d+)\),({_ID})=\{{\}};\3\.styleTagTransform=", js)
    if not injected:
        raise UnknownBundle("no style-loader injection")
    calls = re.findall(rf"[\w$]+\(\)\(({_ID})\.A,({_ID})\)", js)
    if [(v, o) for v, _, o in injected] != calls:
        raise UnknownBundle("the injections do not match their options")
    seen: set[str] = set()
    out: list[str] = []
    for _, mid, _ in injected:
        counts: dict[str, int] = {}
        for item_id, css in reader.items(mid):
            ident = f"{item_id} {counts.get(item_id, 0)}"
            counts[item_id] = counts.get(item_id, 0) + 1
            if ident not in seen:
                seen.add(ident)
                out.append(css)
    if any(re.search(r"@(import|charset)\b", css) for css in out):
        raise UnknownBundle("an @import or @charset rule: one file would change its meaning")
    return out

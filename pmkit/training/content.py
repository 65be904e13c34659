"""Load and validate the teaching content (lessons, quiz, labels) kept as YAML in this package.

Trainers edit text, not code: the content lives in ``lessons.yaml``, ``quiz.yaml`` and
``labels.yaml``. A missing translation or a distinction without a lesson, quiz item or demo is a
bug a class would only find on stage, so :func:`load_content` refuses such content and every
error names the file and the key path (``quiz.yaml: items[3].explanation.en``).

No widgets here: the UI (``pmkit.ui.lessons``, ``pmkit.ui.quiz``) renders these objects.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from pmkit.errors import ContentError
from pmkit.training.demos import DEMOS

__all__ = [
    "ANSWERS",
    "DISTINCTIONS",
    "LANGS",
    "Content",
    "ContentError",
    "Lesson",
    "PmoType",
    "QuizItem",
    "Text",
    "load_content",
]

LANGS: tuple[str, ...] = ("es", "en")
DISTINCTIONS: tuple[int, ...] = tuple(range(1, 9))
Answer = Literal["PM", "PMO", "both"]
ANSWERS: tuple[str, ...] = ("PM", "PMO", "both")
CONTENT_DIR = Path(__file__).resolve().parent
PMO_TYPE_IDS: tuple[str, ...] = ("supportive", "controlling", "directive")


@dataclass(frozen=True)
class Text:
    """One text in every language; call it with a language code to get the string."""

    es: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.es


@dataclass(frozen=True)
class Lesson:
    """One distinction between the PM and the PMO, taught in a short lesson with a live demo."""

    id: int
    title: Text
    body: Text
    pm_side: Text
    pmo_side: Text
    demo: str
    key_takeaway: Text


@dataclass(frozen=True)
class QuizItem:
    """A situation a trainer asks the class: who handles it, the PM, the PMO or both?"""

    id: str
    situation: Text
    answer: Answer
    distinction: int
    explanation: Text


@dataclass(frozen=True)
class PmoType:
    """A supportive / controlling / directive PMO, described for the side-by-side comparison."""

    id: str
    name: Text
    control: Text
    role: Text
    gates: Text
    pm_freedom: Text


@dataclass(frozen=True)
class Content:
    """Everything a lesson or quiz page shows, already validated in both languages."""

    lessons: tuple[Lesson, ...]
    quiz: tuple[QuizItem, ...]
    pmo_types: tuple[PmoType, ...]
    labels: Mapping[str, Text]

    def lesson(self, distinction: int) -> Lesson:
        """The lesson of one distinction (1..8)."""
        for lesson in self.lessons:
            if lesson.id == distinction:
                return lesson
        raise KeyError(f"no lesson for distinction {distinction}")

    def label(self, key: str, lang: str) -> str:
        """A UI label in ``lang``; a missing key raises (the test suite checks every key used)."""
        return self.labels[key](lang)

    def items_for(self, distinction: int) -> tuple[QuizItem, ...]:
        """Quiz items tied to one distinction."""
        return tuple(q for q in self.quiz if q.distinction == distinction)


class _Reader:
    """Collects every problem in one pass, each prefixed by ``file: key.path``."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[str] = []

    def bad(self, path: str, message: str) -> None:
        self.problems.append(f"{self.filename}: {path}: {message}")

    def text(self, node: Mapping[str, Any], key: str, path: str) -> Text:
        where = f"{path}.{key}" if path else key
        value = node.get(key)
        if not isinstance(value, Mapping):
            self.bad(where, "missing text (expected a mapping with 'es' and 'en')")
            return Text("", "")
        out: dict[str, str] = {}
        for lang in LANGS:
            s = value.get(lang)
            if not isinstance(s, str) or not s.strip():
                self.bad(f"{where}.{lang}", "missing or empty translation")
                out[lang] = ""
            else:
                out[lang] = " ".join(s.split())
        extra = sorted(set(value) - set(LANGS))
        if extra:
            self.bad(where, f"unknown language(s) {extra}; expected {list(LANGS)}")
        return Text(**out)

    def seq(self, doc: Any, key: str) -> list[Any]:
        value = doc.get(key) if isinstance(doc, Mapping) else None
        if not isinstance(value, list):
            self.bad(key, "missing list")
            return []
        return value


def _read_yaml(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise ContentError([f"{path.name}: file not found ({path})"]) from exc
    except yaml.YAMLError as exc:
        raise ContentError([f"{path.name}: not valid YAML: {exc}"]) from exc


def _lessons(doc: Any, r: _Reader, demo_ids: set[str]) -> tuple[list[Lesson], list[PmoType]]:
    lessons: list[Lesson] = []
    for i, node in enumerate(r.seq(doc, "lessons")):
        path = f"lessons[{i}]"
        if not isinstance(node, Mapping):
            r.bad(path, "expected a mapping")
            continue
        lid = node.get("id")
        if not isinstance(lid, int) or lid not in DISTINCTIONS:
            r.bad(f"{path}.id", f"expected a distinction number 1..8, got {lid!r}")
            lid = -1
        demo = node.get("demo")
        if not isinstance(demo, str) or demo not in demo_ids:
            r.bad(f"{path}.demo", f"unknown demo {demo!r}; known: {sorted(demo_ids)}")
        texts = {
            k: r.text(node, k, path)
            for k in ("title", "body", "pm_side", "pmo_side", "key_takeaway")
        }
        lessons.append(Lesson(id=lid, demo=str(demo), **texts))
    seen = [le.id for le in lessons]
    for d in DISTINCTIONS:
        if d not in seen:
            r.bad("lessons", f"distinction {d} has no lesson")
    for d in {x for x in seen if seen.count(x) > 1}:
        r.bad("lessons", f"distinction {d} has more than one lesson")

    types: list[PmoType] = []
    for i, node in enumerate(r.seq(doc, "pmo_types")):
        path = f"pmo_types[{i}]"
        if not isinstance(node, Mapping):
            r.bad(path, "expected a mapping")
            continue
        tid = node.get("id")
        if tid not in PMO_TYPE_IDS:
            r.bad(f"{path}.id", f"expected one of {list(PMO_TYPE_IDS)}, got {tid!r}")
        texts = {
            k: r.text(node, k, path) for k in ("name", "control", "role", "gates", "pm_freedom")
        }
        types.append(PmoType(id=str(tid), **texts))
    missing = set(PMO_TYPE_IDS) - {t.id for t in types}
    if missing:
        r.bad("pmo_types", f"missing PMO type(s) {sorted(missing)}")
    return lessons, types


def _quiz(doc: Any, r: _Reader) -> list[QuizItem]:
    items: list[QuizItem] = []
    ids: set[str] = set()
    for i, node in enumerate(r.seq(doc, "items")):
        path = f"items[{i}]"
        if not isinstance(node, Mapping):
            r.bad(path, "expected a mapping")
            continue
        qid = node.get("id")
        if not isinstance(qid, str) or not qid:
            r.bad(f"{path}.id", "missing id")
            qid = f"#{i}"
        elif qid in ids:
            r.bad(f"{path}.id", f"duplicate id {qid!r}")
        ids.add(qid)
        answer = node.get("answer")
        if answer not in ANSWERS:
            r.bad(f"{path}.answer", f"expected one of {list(ANSWERS)}, got {answer!r}")
        dist = node.get("distinction")
        if not isinstance(dist, int) or dist not in DISTINCTIONS:
            r.bad(f"{path}.distinction", f"expected 1..8, got {dist!r}")
        items.append(
            QuizItem(
                id=qid,
                answer=answer if answer in ANSWERS else "both",
                distinction=dist if isinstance(dist, int) else -1,
                situation=r.text(node, "situation", path),
                explanation=r.text(node, "explanation", path),
            )
        )
    for d in DISTINCTIONS:
        if not any(q.distinction == d for q in items):
            r.bad("items", f"distinction {d} has no quiz item")
    return items


def _labels(doc: Any, r: _Reader) -> dict[str, Text]:
    node = doc.get("labels") if isinstance(doc, Mapping) else None
    if not isinstance(node, Mapping) or not node:
        r.bad("labels", "missing mapping of labels")
        return {}
    return {str(k): r.text(node, str(k), "labels") for k in node}


def validate(directory: Path | str, *, demo_ids: Iterable[str] | None = None) -> Content:
    """Read and check the three YAML files in ``directory``; raise :class:`ContentError`."""
    if demo_ids is None:
        demo_ids = DEMOS
    known = set(demo_ids)
    base = Path(directory)
    problems: list[str] = []
    rl, rq, rb = _Reader("lessons.yaml"), _Reader("quiz.yaml"), _Reader("labels.yaml")
    lessons, types = _lessons(_read_yaml(base / "lessons.yaml"), rl, known)
    items = _quiz(_read_yaml(base / "quiz.yaml"), rq)
    labels = _labels(_read_yaml(base / "labels.yaml"), rb)
    problems = rl.problems + rq.problems + rb.problems
    if len(items) < 24:
        problems.append(f"quiz.yaml: items: {len(items)} items, the course needs at least 24")
    if problems:
        raise ContentError(problems)
    return Content(
        lessons=tuple(sorted(lessons, key=lambda le: le.id)),
        quiz=tuple(items),
        pmo_types=tuple(sorted(types, key=lambda t: PMO_TYPE_IDS.index(t.id))),
        labels=labels,
    )


@functools.cache
def load_content() -> Content:
    """The package's validated teaching content (read once per process)."""
    return validate(CONTENT_DIR)

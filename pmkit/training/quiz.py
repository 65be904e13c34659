"""The scenario quiz as a plain object: pick items, answer them, keep the score, summarise.

A trainer runs the same quiz on a projector and students answer aloud, so the engine holds no
widgets: :class:`QuizSession` is driven by ``pmkit.ui.quiz`` and is just as usable from a test or
a script. Shuffling takes a seed so a class can replay the same order.

Examples
--------
>>> from pmkit.training.quiz import QuizSession
>>> s = QuizSession(seed=1)
>>> fb = s.answer(s.current, "PMO")
>>> s.score.answered
1
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from pmkit.training.content import ANSWERS, Content, QuizItem, load_content

__all__ = ["Feedback", "QuizSession", "Score", "class_summary", "normalise_choice"]

_ALIASES = {
    "pm": "PM",
    "pmo": "PMO",
    "both": "both",
    "ambos": "both",
    "ambas": "both",
    "pm+pmo": "both",
}


def normalise_choice(choice: str) -> str:
    """``'pm'``, ``'Ambos'``, ``'BOTH'`` -> ``'PM'`` / ``'both'``; anything else is an error."""
    key = str(choice).strip().lower()
    if key not in _ALIASES:
        raise ValueError(f"unknown answer {choice!r}; expected one of {list(ANSWERS)}")
    return _ALIASES[key]


@dataclass(frozen=True)
class Feedback:
    """What a student sees after answering: right or wrong, why, and which distinction."""

    item_id: str
    choice: str
    answer: str
    correct: bool
    explanation: str
    distinction: int
    distinction_title: str


@dataclass(frozen=True)
class Score:
    """Correct answers over answered items, out of the items selected for this session."""

    correct: int
    answered: int
    total: int

    @property
    def percent(self) -> float:
        """Share of answered items that were right (0 when nothing is answered yet)."""
        return 100.0 * self.correct / self.answered if self.answered else 0.0


class QuizSession:
    """One run of the quiz: the chosen items in order, the answers given and the score.

    Parameters
    ----------
    content
        Validated content; ``None`` loads the package's YAML.
    lang
        ``"es"`` or ``"en"``: the language of the feedback texts.
    ids, distinctions
        Restrict the session to these item ids and/or distinctions (trainer's choice).
    seed
        Shuffle the items with this seed (``None`` keeps the file order).
    """

    def __init__(
        self,
        content: Content | None = None,
        *,
        lang: str = "es",
        ids: Iterable[str] | None = None,
        distinctions: Iterable[int] | None = None,
        seed: int | None = None,
    ) -> None:
        self.content = content or load_content()
        self.lang = lang
        self.items: list[QuizItem] = list(self.content.quiz)
        self.position = 0
        self.responses: dict[str, Feedback] = {}
        self.select(ids=ids, distinctions=distinctions)
        if seed is not None:
            self.shuffle(seed)

    # -- choosing items ---------------------------------------------------------------------
    def select(
        self, *, ids: Iterable[str] | None = None, distinctions: Iterable[int] | None = None
    ) -> list[QuizItem]:
        """Keep only some items (all when both filters are ``None``); restarts the session."""
        items = list(self.content.quiz)
        if ids is not None:
            wanted = list(ids)
            by_id = {q.id: q for q in items}
            unknown = [i for i in wanted if i not in by_id]
            if unknown:
                raise KeyError(f"unknown quiz item(s) {unknown}")
            items = [by_id[i] for i in wanted]
        if distinctions is not None:
            keep = set(distinctions)
            items = [q for q in items if q.distinction in keep]
        if not items:
            raise ValueError("the selection leaves no quiz item")
        self.items = items
        self.restart()
        return items

    def shuffle(self, seed: int) -> list[QuizItem]:
        """Reorder the selected items reproducibly (same seed, same order); restarts."""
        random.Random(seed).shuffle(self.items)
        self.restart()
        return self.items

    def restart(self) -> None:
        """Forget the answers and go back to the first item."""
        self.position = 0
        self.responses = {}

    # -- navigating -------------------------------------------------------------------------
    @property
    def current(self) -> QuizItem:
        """The item on screen."""
        return self.items[self.position]

    def go(self, position: int) -> QuizItem:
        """Jump to an item (clamped to the selection)."""
        self.position = max(0, min(position, len(self.items) - 1))
        return self.current

    def next(self) -> QuizItem:
        """Move to the next item (stays on the last one)."""
        return self.go(self.position + 1)

    def previous(self) -> QuizItem:
        """Move to the previous item (stays on the first one)."""
        return self.go(self.position - 1)

    @property
    def finished(self) -> bool:
        """Every selected item has an answer."""
        return all(q.id in self.responses for q in self.items)

    # -- answering --------------------------------------------------------------------------
    def answer(self, item: QuizItem | str, choice: str) -> Feedback:
        """Record ``choice`` for ``item`` (a later answer replaces an earlier one)."""
        q = self._item(item)
        picked = normalise_choice(choice)
        lesson = self.content.lesson(q.distinction)
        fb = Feedback(
            item_id=q.id,
            choice=picked,
            answer=q.answer,
            correct=picked == q.answer,
            explanation=q.explanation(self.lang),
            distinction=q.distinction,
            distinction_title=lesson.title(self.lang),
        )
        self.responses[q.id] = fb
        return fb

    def reveal(self, item: QuizItem | str) -> Feedback:
        """The right answer and its explanation without recording a response (trainer mode)."""
        q = self._item(item)
        return Feedback(
            item_id=q.id,
            choice=q.answer,
            answer=q.answer,
            correct=True,
            explanation=q.explanation(self.lang),
            distinction=q.distinction,
            distinction_title=self.content.lesson(q.distinction).title(self.lang),
        )

    @property
    def score(self) -> Score:
        """Right answers so far."""
        answered = [self.responses[q.id] for q in self.items if q.id in self.responses]
        return Score(sum(f.correct for f in answered), len(answered), len(self.items))

    def summary(self) -> pd.DataFrame:
        """This session's results by distinction (see :func:`class_summary`)."""
        return class_summary([self], content=self.content, lang=self.lang)

    def _item(self, item: QuizItem | str) -> QuizItem:
        if isinstance(item, QuizItem):
            return item
        for q in self.content.quiz:
            if q.id == item:
                return q
        raise KeyError(f"unknown quiz item {item!r}")


def class_summary(
    sessions: Sequence[QuizSession], *, content: Content | None = None, lang: str = "es"
) -> pd.DataFrame:
    """One row per distinction: items asked, answers, correct, % correct, and the weakest item.

    A trainer projects it at the end of a class to see which distinction needs another pass.
    Several students' sessions add up; distinctions no session asked about show zero items.
    """
    content = content or (sessions[0].content if sessions else load_content())
    rows = []
    for lesson in content.lessons:
        asked: set[str] = set()
        answered = correct = 0
        misses: dict[str, int] = {}
        for s in sessions:
            for q in s.items:
                if q.distinction != lesson.id:
                    continue
                asked.add(q.id)
                fb = s.responses.get(q.id)
                if fb is None:
                    continue
                answered += 1
                correct += int(fb.correct)
                if not fb.correct:
                    misses[q.id] = misses.get(q.id, 0) + 1
        worst = max(sorted(misses), key=lambda k: misses[k]) if misses else ""
        rows.append(
            {
                "distinction": lesson.id,
                "title": lesson.title(lang),
                "items": len(asked),
                "answered": answered,
                "correct": correct,
                "percent_correct": round(100.0 * correct / answered, 1) if answered else None,
                "most_missed": worst,
            }
        )
    return pd.DataFrame(rows)

"""The quiz engine: answers, score, selection, seeded shuffle and the class summary."""

from __future__ import annotations

import pytest

from pmkit.training.content import load_content
from pmkit.training.quiz import QuizSession, class_summary, normalise_choice


def test_answer_gives_feedback_tied_to_a_distinction() -> None:
    s = QuizSession(lang="en")
    q = s.current
    right = s.answer(q, q.answer)
    assert right.correct and right.answer == q.answer
    assert right.explanation == q.explanation("en")
    assert right.distinction == q.distinction
    assert right.distinction_title == load_content().lesson(q.distinction).title("en")
    wrong_choice = next(c for c in ("PM", "PMO", "both") if c != q.answer)
    wrong = s.answer(q, wrong_choice)  # a later answer replaces the first
    assert not wrong.correct
    assert s.score.answered == 1 and s.score.correct == 0


def test_score_counts_right_answers_over_answered() -> None:
    s = QuizSession()
    for i, q in enumerate(s.items[:6]):
        s.answer(q, q.answer if i % 2 == 0 else ("PM" if q.answer != "PM" else "PMO"))
    sc = s.score
    assert (sc.correct, sc.answered, sc.total) == (3, 6, len(s.items))
    assert sc.percent == pytest.approx(50.0)


def test_choices_accept_both_languages() -> None:
    assert normalise_choice("Ambos") == "both"
    assert normalise_choice(" pmo ") == "PMO"
    with pytest.raises(ValueError, match="unknown answer"):
        normalise_choice("sponsor")


def test_shuffle_is_reproducible_and_keeps_the_items() -> None:
    a, b = QuizSession(seed=7), QuizSession(seed=7)
    c = QuizSession(seed=8)
    ids = [q.id for q in a.items]
    assert ids == [q.id for q in b.items]
    assert ids != [q.id for q in c.items]
    assert sorted(ids) == sorted(q.id for q in load_content().quiz)


def test_selection_by_distinction_and_id() -> None:
    s = QuizSession(distinctions=[7])
    assert s.items and all(q.distinction == 7 for q in s.items)
    s.select(ids=["q19", "q01"])
    assert [q.id for q in s.items] == ["q19", "q01"]
    with pytest.raises(KeyError):
        s.select(ids=["nope"])
    with pytest.raises(ValueError):
        s.select(distinctions=[99])


def test_navigation_is_clamped() -> None:
    s = QuizSession(distinctions=[1])
    assert s.previous() is s.items[0]
    for _ in range(10):
        s.next()
    assert s.position == len(s.items) - 1


def test_reveal_does_not_record_an_answer() -> None:
    s = QuizSession()
    fb = s.reveal(s.current)
    assert fb.answer == s.current.answer
    assert s.score.answered == 0


def test_class_summary_by_distinction() -> None:
    s1, s2 = QuizSession(lang="en"), QuizSession(lang="en")
    q19 = next(q for q in s1.items if q.id == "q19")  # distinction 7, answer PMO
    s1.answer(q19, "PMO")
    s2.answer(q19, "PM")
    table = class_summary([s1, s2], lang="en")
    assert list(table["distinction"]) == list(range(1, 9))
    row = table.set_index("distinction").loc[7]
    assert row["answered"] == 2 and row["correct"] == 1
    assert row["percent_correct"] == 50.0
    assert row["most_missed"] == "q19"
    assert row["items"] == len(load_content().items_for(7))
    assert table.set_index("distinction").loc[1, "answered"] == 0

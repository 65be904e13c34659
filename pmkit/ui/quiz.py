"""The scenario quiz page: one situation at a time, PM / PMO / Both, feedback and a score.

A trainer projects it and the class answers; the trainer mode (a toggle) reveals the answers,
chooses which distinctions to ask about, shuffles them with a seed and shows a class-ready
summary by distinction. All the logic is in :class:`pmkit.training.quiz.QuizSession`; this module
only wires widgets to it. ``?lang=en`` in the page address opens it in English.
"""

from __future__ import annotations

import ipywidgets as W
import pandas as pd

from pmkit.training.content import Content, QuizItem, load_content
from pmkit.training.quiz import QuizSession
from pmkit.ui._common import esc, guarded, header, html_table, safe_build
from pmkit.ui.lessons import LANG_OPTIONS, Translator, lang_from_query

__all__ = ["QuizApp", "app"]

_CHOICES = (("PM", "ui.choice_pm"), ("PMO", "ui.choice_pmo"), ("both", "ui.choice_both"))
_FEEDBACK_CSS = """
<style>
.pmkit-feedback {border-left: 5px solid #999; padding: 8px 12px; margin: 6px 0; font-size: 15px;}
.pmkit-feedback.ok {border-color: #009E73; background: #eefaf5;}
.pmkit-feedback.ko {border-color: #D55E00; background: #fff4ec;}
.pmkit-feedback.key {border-color: #0072B2; background: #eef5fb;}
.pmkit-situation {font-size: 20px; line-height: 1.4; padding: 14px 18px; background: #f7f7f7;
  border-radius: 6px; margin: 8px 0;}
</style>
"""


class QuizApp:
    """The quiz's widgets and their wiring around one :class:`QuizSession`."""

    def __init__(self, content: Content | None = None, *, lang: str = "es") -> None:
        self.content = content or load_content()
        self.tr = Translator(self.content, lang)
        self.session = QuizSession(self.content, lang=lang)

        self.title = W.HTML()
        self.lang = W.ToggleButtons(
            options=LANG_OPTIONS, value=lang, style={"button_width": "90px"}
        )
        self.trainer = W.ToggleButton(value=False, icon="")
        self.progress = W.HTML()
        self.situation = W.HTML()
        self.buttons = [
            W.Button(layout=W.Layout(width="160px", height="44px", margin="0 8px 0 0"))
            for _ in _CHOICES
        ]
        self.feedback = W.HTML()
        self.previous = W.Button()
        self.next = W.Button()
        self.restart = W.Button()
        # trainer controls
        self.reveal = W.Checkbox(value=False, indent=False)
        self.distinctions = W.SelectMultiple(rows=8, layout=W.Layout(width="420px"))
        self.seed = W.BoundedIntText(value=1, min=0, max=10_000, layout=W.Layout(width="160px"))
        self.order = W.ToggleButtons()
        self.apply = W.Button(button_style="primary")
        self.go_to = W.Dropdown(layout=W.Layout(width="420px"))
        self.trainer_help = W.HTML()
        self.summary = W.HTML()
        self.answer_key = W.HTML()
        self.trainer_box = W.VBox(
            [
                self.trainer_help,
                W.HBox([self.distinctions, W.VBox([self.order, self.seed, self.apply])]),
                W.HBox([self.go_to, self.reveal]),
                self.summary,
                self.answer_key,
            ],
            layout=W.Layout(display="none", border="1px solid #ccc", padding="8px"),
        )
        self.widget = W.VBox(
            [
                self.title,
                W.HBox([self.lang, self.trainer]),
                self.progress,
                self.situation,
                W.HBox(self.buttons),
                self.feedback,
                W.HBox([self.previous, self.next, self.restart]),
                self.trainer_box,
            ]
        )
        self.widget.add_class("pmkit-quiz")
        self._wire()
        self._fill_static()
        self.render()

    # -- wiring ----------------------------------------------------------------------------
    def _wire(self) -> None:
        err = self.feedback
        for button, (choice, _) in zip(self.buttons, _CHOICES, strict=True):
            button.on_click(guarded(err)(lambda _b, c=choice: self.choose(c)))
        self.previous.on_click(guarded(err)(lambda _b: self._move(-1)))
        self.next.on_click(guarded(err)(lambda _b: self._move(+1)))
        self.restart.on_click(guarded(err)(lambda _b: self._restart()))
        self.apply.on_click(guarded(err)(lambda _b: self.apply_selection()))
        self.lang.observe(guarded(err)(lambda ch: self.set_lang(ch["new"])), names="value")
        self.trainer.observe(guarded(err)(lambda ch: self.render()), names="value")
        self.reveal.observe(guarded(err)(lambda ch: self.render()), names="value")
        self.go_to.observe(guarded(err)(self._on_go_to), names="value")

    def _on_go_to(self, change: dict[str, object]) -> None:
        if change["new"] is not None and change["new"] != self.session.position:
            self.session.go(int(change["new"]))  # type: ignore[call-overload]
            self.render()

    def _move(self, step: int) -> None:
        self.session.go(self.session.position + step)
        self.render()

    def _restart(self) -> None:
        self.session.restart()
        self.render()

    # -- actions (public so tests and trainers' scripts can drive the page) -------------------
    def choose(self, choice: str) -> None:
        """Answer the scenario on screen."""
        self.session.answer(self.session.current, choice)
        self.render()

    def set_lang(self, lang: str) -> None:
        """Switch every text on the page to ``lang`` (answers and score are kept)."""
        self.tr.lang = lang
        self.session.lang = lang
        if self.lang.value != lang:
            self.lang.value = lang
        self._fill_static()
        self.render()

    def apply_selection(self) -> None:
        """Restart with the trainer's distinctions and order (shuffled with the seed or not)."""
        chosen = list(self.distinctions.value) or list(range(1, 9))
        self.session.select(distinctions=chosen)
        if self.order.value == "shuffle":
            self.session.shuffle(int(self.seed.value))
        self._fill_go_to()
        self.render()

    # -- rendering -------------------------------------------------------------------------
    def _fill_static(self) -> None:
        t = self.tr
        self.title.value = header(t("ui.quiz_title"), t("ui.quiz_subtitle")).value + _FEEDBACK_CSS
        for button, (_, key) in zip(self.buttons, _CHOICES, strict=True):
            button.description = t(key)
        self.previous.description = "◀ " + t("ui.previous")
        self.next.description = t("ui.next") + " ▶"
        self.restart.description = t("ui.restart")
        self.trainer.description = t("ui.trainer_mode")
        self.reveal.description = t("ui.reveal")
        self.apply.description = t("ui.apply")
        self.seed.description = t("ui.seed")
        self.go_to.description = ""
        self.trainer_help.value = f"<p class='pmkit-note'>{esc(t('ui.trainer_help'))}</p>"
        keep = self.order.value or "in_order"
        self.order.options = [(t("ui.in_order"), "in_order"), (t("ui.shuffle"), "shuffle")]
        self.order.value = keep
        chosen = self.distinctions.value
        self.distinctions.options = [
            (f"{le.id}. {le.title(t.lang)}", le.id) for le in self.content.lessons
        ]
        self.distinctions.value = chosen
        self.distinctions.description = ""
        self._fill_go_to()

    def _fill_go_to(self) -> None:
        t = self.tr
        pos = self.session.position
        self.go_to.options = [
            (f"{i + 1}. {_short(q.situation(t.lang))}", i) for i, q in enumerate(self.session.items)
        ]
        self.go_to.value = pos

    def _choice_word(self, choice: str) -> str:
        return self.tr(dict(_CHOICES)[choice])

    def render(self) -> None:
        """Draw the current scenario, its feedback, the score and the trainer panel."""
        t, s = self.tr, self.session
        q = s.current
        sc = s.score
        item = t("ui.item").format(n=s.position + 1, total=sc.total)
        score = t("ui.score").format(
            correct=sc.correct, answered=sc.answered, percent=round(sc.percent)
        )
        self.progress.value = (
            f"<b class='pmkit-progress'>{esc(item)}</b> &nbsp;·&nbsp; "
            f"<span class='pmkit-score'>{esc(score)}</span>"
        )
        self.situation.value = f"<div class='pmkit-situation'>{esc(q.situation(t.lang))}</div>"
        fb = s.responses.get(q.id)
        for button, (choice, _) in zip(self.buttons, _CHOICES, strict=True):
            if fb is not None and choice == fb.choice:
                button.button_style = "success" if fb.correct else "danger"
            elif fb is not None and choice == q.answer:
                button.button_style = "info"
            else:
                button.button_style = ""
        self.feedback.value = self._feedback_html(q)
        self.previous.disabled = s.position == 0
        self.next.disabled = s.position >= len(s.items) - 1
        self.trainer_box.layout.display = "flex" if self.trainer.value else "none"
        if self.go_to.value != s.position:
            self.go_to.value = s.position
        if self.trainer.value:
            self._render_trainer()

    def _feedback_html(self, q: QuizItem) -> str:
        t, s = self.tr, self.session
        fb = s.responses.get(q.id)
        lesson = self.content.lesson(q.distinction)
        why = (
            f"<div>{esc(q.explanation(t.lang))}</div>"
            f"<div class='pmkit-note'>{esc(t('ui.distinction'))} {q.distinction}: "
            f"{esc(lesson.title(t.lang))}</div>"
        )
        answer = esc(t("ui.right_answer").format(answer=self._choice_word(q.answer)))
        done = f"<div class='pmkit-note'>{esc(t('ui.finished'))}</div>" if s.finished else ""
        if fb is not None:
            verdict = f"✔ {esc(t('ui.correct'))}" if fb.correct else f"✘ {esc(t('ui.incorrect'))}"
            mine = esc(t("ui.your_answer").format(choice=self._choice_word(fb.choice)))
            cls = "ok" if fb.correct else "ko"
            return (
                f"<div class='pmkit-feedback {cls}' role='status'><b>{verdict}</b> {mine} · "
                f"<b>{answer}</b>{why}</div>{done}"
            )
        if self.trainer.value and self.reveal.value:
            return f"<div class='pmkit-feedback key' role='status'><b>🔑 {answer}</b>{why}</div>"
        return ""

    def _render_trainer(self) -> None:
        t, s = self.tr, self.session
        summary = s.summary()
        summary["percent_correct"] = summary["percent_correct"].map(
            lambda v: "" if v is None or v != v else f"{v:.0f}%"
        )
        self.summary.value = f"<h4>{esc(t('ui.class_summary'))}</h4>" + html_table(
            t.columns(summary), table_id="pmkit-class-summary"
        )
        if self.reveal.value:
            key = [
                {
                    "id": q.id,
                    "situation": q.situation(t.lang),
                    "answer": self._choice_word(q.answer),
                    "distinction": q.distinction,
                }
                for q in s.items
            ]
            self.answer_key.value = f"<h4>{esc(t('ui.answer_key'))}</h4>" + html_table(
                t.columns(pd.DataFrame(key)), table_id="pmkit-answer-key"
            )
        else:
            self.answer_key.value = ""


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def app(
    portfolio: object | None = None, *, lang: str = "es", content: Content | None = None
) -> W.Widget:
    """The quiz dashboard (``?lang=en`` in the page address overrides ``lang``).

    ``portfolio`` is accepted for the dashboards' common signature; the quiz does not need one.
    """
    return safe_build(lambda: QuizApp(content, lang=lang_from_query() or lang).widget)

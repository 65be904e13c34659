"""Teaching mode: PM vs PMO lessons, the scenario quiz and the engine side of the live demos.

Content is data (``lessons.yaml``, ``quiz.yaml``, ``labels.yaml``, each text in Spanish and
English), validated by :func:`load_content`. Nothing here imports widgets: ``pmkit.ui.lessons``
and ``pmkit.ui.quiz`` render it.
"""

from pmkit.training.content import Content, ContentError, Lesson, QuizItem, Text, load_content
from pmkit.training.quiz import Feedback, QuizSession, Score, class_summary

__all__ = [
    "Content",
    "ContentError",
    "Feedback",
    "Lesson",
    "QuizItem",
    "QuizSession",
    "Score",
    "Text",
    "class_summary",
    "load_content",
]

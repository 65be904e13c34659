"""pmkit's version, below every layer.

``pmkit.__version__`` and the Voila template folder read it; pyproject.toml repeats it
for the wheel.
"""

__version__ = "0.1.0"

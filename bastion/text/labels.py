"""The labels of the text model's classes, which are also the labels a labelled file may give a row.

A leaf with no imports, so that the CLI can name them in its help without
loading the model.
"""

from __future__ import annotations

LABELS = ("tvec", "news", "counter_speech", "religious", "hate_not_tvec", "benign")

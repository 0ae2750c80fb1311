"""The fictional corpus and the model trained on it (tests/fictional_text.py)."""

from tests.fictional_text import fictional_data, fictional_model, fictional_model_dir

__all__ = ["fictional_data", "fictional_model", "fictional_model_dir"]

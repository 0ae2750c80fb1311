"""Moderators and flagged items for the legal workflows: the review tests' own fixtures."""

from tests.review.conftest import flagged_case, removed_case, users

__all__ = ["flagged_case", "removed_case", "users"]

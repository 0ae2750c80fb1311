"""What the text model reads: the post as its author wrote it, whoever exported it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bastion.text.model import prepare


def test_html_escapes_read_as_the_characters_they_stand_for() -> None:
    assert prepare("Fish &amp; chips &gt; everything") == prepare("Fish & chips > everything")


def test_numeric_references_whose_ampersand_was_lost_are_read_too() -> None:
    assert prepare("a #36;3 ticket") == prepare("a $3 ticket")
    assert "39" not in prepare("They #39;re late")


def test_hashtags_stay_hashtags() -> None:
    assert "2024" in prepare("#2024 was a long year")


@given(st.text(max_size=200))
def test_prepare_never_raises_and_returns_text(text: str) -> None:
    assert isinstance(prepare(text), str)


def test_links_mentions_and_retweet_markers_say_nothing_of_who() -> None:
    assert prepare("RT @someone: look at https://example.org/a, @other") == "look at url user"

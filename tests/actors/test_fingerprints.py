"""Respawn fingerprints: a returning account matches on several, a common name or shared phrase never alone."""

from __future__ import annotations

from bastion.actors.fingerprints import Profile, match_profile, name_skeleton

_AVATAR = "f" * 64
_EDITED_AVATAR = "f" * 60 + "0000"
_REMOVED = Profile(
    name="Crimson Dawn Herald",
    handle="crimson_herald",
    bio="Voice of the fictional Crimson Dawn Brigade. Peace be upon you. Updates daily.",
    avatar_pdq=_AVATAR,
)


def test_name_skeleton_folds_suffixes_case_and_lookalikes() -> None:
    assert name_skeleton("Crimson_Herald_2") == name_skeleton("crimsonherald")
    assert name_skeleton("Сrimsоn Herald") == name_skeleton("crimson herald")  # Cyrillic С and о


def test_a_renamed_reavatared_account_with_a_rewritten_bio_is_a_respawn() -> None:
    back = Profile(
        name="Crіmson Herald 2",
        bio="Voice of the fictional Crimson Dawn Brigade, peace be upon you. New updates daily!",
        avatar_pdq=_EDITED_AVATAR,
    )
    match = match_profile(_REMOVED, back)
    assert match.is_respawn
    assert len(match.fingerprints) == 3


def test_a_common_name_alone_does_not_match() -> None:
    removed = Profile(name="Ali Hassan", bio="Voice of the fictional Crimson Dawn Brigade.", avatar_pdq=_AVATAR)
    ordinary = Profile(name="ali_hassan_88", bio="Football, family and the sea.", avatar_pdq="0" * 64)
    match = match_profile(removed, ordinary)
    assert len(match.fingerprints) == 1
    assert not match.is_respawn


def test_a_shared_religious_phrase_in_a_bio_does_not_match_alone() -> None:
    ordinary = Profile(name="Harbour Baker", bio="Peace be upon you. Bread every morning at the harbour.")
    assert not match_profile(_REMOVED, ordinary).is_respawn

"""Respawn fingerprints: a returning account matches on several, a common name or shared phrase never alone."""

from __future__ import annotations

from bastion.actors.fingerprints import Profile, name_skeleton
from bastion.actors.respawn import is_respawn, respawn_fingerprints

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
    found = respawn_fingerprints(_REMOVED, [], back, [])
    assert is_respawn(found)
    assert [f.kind for f in found] == ["avatar", "name", "bio"]


def test_a_common_name_alone_does_not_match() -> None:
    removed = Profile(name="Ali Hassan", bio="Voice of the fictional Crimson Dawn Brigade.", avatar_pdq=_AVATAR)
    ordinary = Profile(name="ali_hassan_88", bio="Football, family and the sea.", avatar_pdq="0" * 64)
    assert name_skeleton(removed.name) == name_skeleton(ordinary.name)  # the name pattern alone agrees
    assert respawn_fingerprints(removed, [], ordinary, []) == []


def test_a_shared_religious_phrase_in_a_bio_does_not_match_alone() -> None:
    ordinary = Profile(name="Harbour Baker", bio="Peace be upon you. Bread every morning at the harbour.")
    assert not is_respawn(respawn_fingerprints(_REMOVED, [], ordinary, []))

"""Password hashing and rules (pure functions)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from helpdesk.staff import passwords
from helpdesk.staff.passwords import PasswordRuleError, check_rules


def test_hash_is_argon2id_with_salt_and_verifies() -> None:
    first = passwords.hash_password("korrekt-pferd-batterie")
    second = passwords.hash_password("korrekt-pferd-batterie")
    assert first.startswith("$argon2id$")
    assert first != second  # random salt
    assert passwords.verify_password(first, "korrekt-pferd-batterie")
    assert not passwords.verify_password(first, "korrekt-pferd-batteriE")


def test_the_standard_cost_is_rfc_9106_low_memory_argon2id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(passwords, "_hasher", passwords.COSTS["standard"])
    stored = passwords.hash_password("korrekt-pferd-batterie")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(stored, "korrekt-pferd-batterie")


def test_the_settings_default_is_the_standard_cost() -> None:
    from helpdesk.settings import Settings

    assert Settings.model_fields["password_hash_cost"].default == "standard"


def test_a_test_cost_hash_is_renewed_under_the_standard_cost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(passwords, "_hasher", passwords.COSTS["test"])
    cheap = passwords.hash_password("korrekt-pferd-batterie")
    monkeypatch.setattr(passwords, "_hasher", passwords.COSTS["standard"])
    assert passwords.verify_password(cheap, "korrekt-pferd-batterie")
    assert passwords.needs_rehash(cheap)


def test_malformed_hash_never_verifies_and_needs_rehash() -> None:
    assert not passwords.verify_password("not-a-hash", "whatever-password")
    assert passwords.needs_rehash("not-a-hash")


def test_hash_with_old_parameters_needs_rehash() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("ein-altes-passwort")
    assert passwords.verify_password(old, "ein-altes-passwort")
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash(passwords.hash_password("ein-neues-passwort"))


@pytest.mark.parametrize(
    ("password", "username", "code"),
    [
        ("kurz", "anna", "too_short"),
        ("elf-zeichen", "anna", "too_short"),
        ("anna.schmidt", "anna.schmidt", "equals_username"),
        ("ANNA.SCHMIDT", "anna.schmidt", "equals_username"),
        ("x" * 1025, "anna", "too_long"),
        # Hardening finding 8: these were accepted.
        (" " * 12, "anna", "too_short"),
        ("   kurz  ok   ", "anna", "too_short"),
        ("aaaaaaaaaaaa", "anna", "weak"),
        ("abababababab", "anna", "weak"),
        ("123456789012", "anna", "weak"),
        ("qwertzuiopü", "anna", "too_short"),
        ("asdfghjklöäa", "anna", "weak"),
        ("Passwort1234", "anna", "weak"),
        ("dortmund2026!", "anna", "weak"),
        ("anna.schmidt1", "anna.schmidt", "weak"),
    ],
)
def test_rules_refuse_weak_passwords(password: str, username: str, code: str) -> None:
    with pytest.raises(PasswordRuleError) as raised:
        check_rules(password, username)
    assert raised.value.code == code


def test_twelve_characters_other_than_the_username_are_accepted() -> None:
    check_rules("zwölf-zeich.", "anna")
    check_rules("Tisch Regen Gabel Mond", "anna")
    check_rules("anna-liest-gern-krimis", "anna")

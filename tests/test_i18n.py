"""Every member- and moderator-facing message exists in both languages with the same fields."""

import string

import pytest

from bot import i18n


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_exists_in_both_languages() -> None:
    ja, en = i18n.catalogue("ja"), i18n.catalogue("en")
    assert set(ja) - set(en) == set(), "keys only in Japanese"
    assert set(en) - set(ja) == set(), "keys only in English"


def test_both_languages_use_the_same_placeholders() -> None:
    ja, en = i18n.catalogue("ja"), i18n.catalogue("en")
    mismatched = {key for key in en if key in ja and _fields(ja[key]) != _fields(en[key])}
    assert mismatched == set()


@pytest.mark.parametrize(("locale", "lang"), [("ja", "ja"), ("en-US", "en"), ("ko", "en"), (None, "en")])
def test_language_for_locale(locale: str | None, lang: str) -> None:
    assert i18n.language_for_locale(locale) == lang


def test_unknown_key_is_an_error() -> None:
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "ja")

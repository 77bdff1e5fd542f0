"""Command descriptions and choice labels from the catalogues, localised for Japanese clients.

Every description in the command tree is a ``locale_str`` whose English text comes from the
``en`` catalogue and whose ``key`` extra names the catalogue entry. Discord asks the translator
for each supported locale when the tree is synced; Japanese clients then see Japanese
descriptions. Command and option names are not translated on purpose: admins follow the README
and each other's screenshots, and a name that differs by client language breaks both.
"""

from __future__ import annotations

from discord import Locale, app_commands

from bot.i18n import DEFAULT_LANGUAGE, language_for_locale, t


def text(key: str) -> app_commands.locale_str:
    """A translatable description: English from the catalogue, translated at sync time."""
    return app_commands.locale_str(t(key, DEFAULT_LANGUAGE), key=key)


def choice(key: str, value: str) -> app_commands.Choice[str]:
    return app_commands.Choice(name=text(key), value=value)


class CatalogueTranslator(app_commands.Translator):
    """Answers from ``bot/i18n/locales``; None (Discord shows the English default) for every
    locale without a catalogue of its own."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        key = string.extras.get("key")
        language = language_for_locale(locale.value)
        if not key or language == DEFAULT_LANGUAGE:
            return None
        return t(key, language)

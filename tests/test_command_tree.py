"""The slash-command tree's shape (offline: no Discord, no database) and its catalogue keys.

What Discord receives when the tree is synced is what members and admins see: names, options,
choices, who may see the commands by default, where they can be used. A renamed option or a
lost permission default would silently change the bot's contract, so it is pinned here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.detect.findings import KINDS
from bot.discord.commands import build_commands
from bot.discord.commands.health import CHANNEL_PERMISSIONS, GUILD_PERMISSIONS, REPORT_PERMISSIONS
from bot.discord.commands.translator import CatalogueTranslator
from bot.discord.reports import (
    CUSTOM_ID_TEMPLATE,
    REPORT_ACTIONS,
    ReportButton,
    custom_id,
    report_view,
)
from bot.i18n import LANGUAGES, catalogue
from bot.ledger.models import LEARNED_MODEL_SETTINGS
from bot.ledger.policy import ACTION_KINDS

MANAGE_GUILD = discord.Permissions(manage_guild=True).value
SOURCES = [
    *Path("bot/discord/commands").glob("*.py"),
    Path("bot/discord/reports.py"),
    Path("bot/discord/checks.py"),
]


async def synced_payload() -> dict[str, dict[str, Any]]:
    """The JSON the tree sends to Discord on sync, translations included, by command name."""
    client = discord.Client(intents=discord.Intents.default())
    tree = app_commands.CommandTree(client)
    for command in build_commands():
        tree.add_command(command)
    await tree.set_translator(CatalogueTranslator())
    payloads = [await c.get_translated_payload(tree, tree.translator) for c in tree.get_commands()]
    return {p["name"]: p for p in payloads}


def options_of(payload: dict[str, Any], *path: str) -> dict[str, dict[str, Any]]:
    node = payload
    for name in path:
        node = next(o for o in node["options"] if o["name"] == name)
    return {o["name"]: o for o in node.get("options", [])}


async def test_top_level_commands_and_their_permissions() -> None:
    tree = await synced_payload()
    assert set(tree) == {"guard", "mystrikes", "why"}
    assert tree["guard"]["default_member_permissions"] == MANAGE_GUILD
    assert tree["guard"]["contexts"] == [0], "the /guard group is server-only"
    for member_command in ("mystrikes", "why"):
        assert tree[member_command]["default_member_permissions"] is None, "members need no permission"
        assert tree[member_command]["contexts"] == [0]


async def test_guard_subcommands_and_options() -> None:
    guard = (await synced_payload())["guard"]
    expected = {
        "setup": {"report_channel": True, "language": False, "mode": False, "moderator_role": False,
                  "learned_model": False},
        "status": {},
        "test": {"text": True},
        "strikes": {"member": True},
        "pardon": {"member": True, "strike": False, "reason": True},
        "evidence": {"strike": True},
        "export": {"member": True},
    }
    subcommands = options_of(guard)
    assert set(subcommands) == {*expected, "ladder", "exempt", "allow"}
    for name, options in expected.items():
        got = options_of(guard, name)
        assert {o: got[o].get("required", False) for o in got} == options, name
    assert set(options_of(guard, "ladder")) == {"show", "set"}
    assert set(options_of(guard, "ladder", "set")) == {"steps", "decay_days"}
    for group in ("exempt", "allow"):
        assert set(options_of(guard, group)) == {"add", "remove", "list"}
    assert set(options_of(guard, "exempt", "add")) == {"role", "channel"}
    assert set(options_of(guard, "allow", "add")) == {"kind", "value"}


async def test_choices_and_option_types() -> None:
    guard = (await synced_payload())["guard"]
    setup = options_of(guard, "setup")
    assert [c["value"] for c in setup["language"]["choices"]] == ["ja", "en"]
    assert [c["value"] for c in setup["mode"]["choices"]] == ["enforce", "shadow"]
    assert [c["value"] for c in setup["learned_model"]["choices"]] == ["review", "enforce", "off"]
    assert setup["report_channel"]["type"] == 7 and set(setup["report_channel"]["channel_types"]) == {0, 5}
    assert [c["value"] for c in options_of(guard, "allow", "add")["kind"]["choices"]] == ["domain", "handle", "number"]
    assert options_of(guard, "pardon")["member"]["type"] == 6
    assert options_of(guard, "pardon")["strike"]["type"] == 4


async def test_descriptions_are_translated_for_japanese_and_fit_discord_limits() -> None:
    tree = await synced_payload()

    def walk(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [node, *(n for o in node.get("options", []) for n in walk(o))]

    nodes = [n for command in tree.values() for n in walk(command)]
    for node in nodes:
        assert 1 <= len(node["description"]) <= 100, node["name"]
        assert re.fullmatch(r"[a-z_]{1,32}", node["name"]), "names stay English and lower case"
        ja = node.get("description_localizations", {}).get("ja")
        assert ja and len(ja) <= 100 and ja != node["description"], node["name"]
        assert set(node.get("description_localizations", {})) == {"ja"}
    choice = options_of(tree["guard"], "setup")["language"]["choices"][0]
    assert choice["name_localizations"] == {"ja": "日本語"}


@pytest.mark.parametrize(("locale", "expected"), [(discord.Locale.japanese, "ja"), (discord.Locale.american_english, None), (discord.Locale.korean, None)])
async def test_translator_answers_only_for_japanese(locale: discord.Locale, expected: str | None) -> None:
    string = app_commands.locale_str("Show the escalation ladder", key="commands.tree.ladder.show")
    got = await CatalogueTranslator().translate(string, locale, None)  # type: ignore[arg-type]
    assert (got is not None) == (expected is not None)
    assert await CatalogueTranslator().translate(app_commands.locale_str("plain"), locale, None) is None  # type: ignore[arg-type]


def literal_keys() -> set[str]:
    """Every catalogue key written as a string literal in the commands and reports code."""
    pattern = re.compile(r"""["']((?:commands|reports)\.[a-z_]+(?:\.[a-z_]+)+)["']""")
    return {key for path in SOURCES for key in pattern.findall(path.read_text(encoding="utf-8"))}


def computed_keys() -> set[str]:
    """Keys the code builds from a value (an action kind, a finding kind, a permission...)."""
    keys = {f"commands.ladder.action_{kind}" for kind in ACTION_KINDS}
    keys |= {f"reports.kind.{kind}" for kind in KINDS}
    keys |= {f"commands.permission.{p}" for p in (*CHANNEL_PERMISSIONS, *REPORT_PERMISSIONS, *GUILD_PERMISSIONS)}
    keys |= {f"commands.mode.{m}" for m in ("enforce", "shadow")} | {f"commands.language.{lang}" for lang in LANGUAGES}
    keys |= {f"commands.allow.kind_{k}" for k in ("domain", "handle", "number")}
    keys |= {f"commands.{area}{s}" for s in LEARNED_MODEL_SETTINGS for area in ("learned_model.", "choice.learned_model_")}
    keys |= {f"commands.choice.allow_{k}" for k in ("domain", "handle", "number")}
    keys |= {f"reports.{area}.{a}" for a in REPORT_ACTIONS for area in ("button", "outcome")}
    keys |= {f"commands.exempt.{v}_{n}" for v in ("added", "already", "removed", "not") for n in ("role", "channel")}
    keys |= {f"commands.allow.{k}" for k in ("added", "already", "removed", "missing")}
    keys |= {f"commands.tree.{g}.{c}" for g in ("exempt", "allow") for c in ("description", "add", "remove", "list")}
    keys |= {"reports.note.member_outranks_bot"}  # the note the executor sends
    return keys


def test_every_key_the_code_uses_exists_in_both_languages() -> None:
    used = literal_keys() | computed_keys()
    assert len(literal_keys()) > 100, "the scan found the code's keys"
    for lang in LANGUAGES:
        missing = sorted(key for key in used if key not in catalogue(lang))
        assert missing == [], f"{lang}: {missing}"


def test_no_catalogue_entry_is_dead_text() -> None:
    """Every commands/reports entry is used: a dead entry is text nobody reviews any more."""
    used = literal_keys() | computed_keys()
    ours = [key for key in catalogue("en") if key.startswith(("commands.", "reports."))]
    assert sorted(key for key in ours if key not in used) == []


def test_report_buttons_are_persistent_and_encode_the_strike() -> None:
    view = report_view(4242, "ja")
    assert view.timeout is None and view.is_persistent()
    ids = [item.custom_id for item in view.children]  # type: ignore[attr-defined]
    assert ids == ["cg:report:ban:4242", "cg:report:pardon:4242", "cg:report:dismiss:4242"]
    (row,) = view.to_components()
    labels = row["components"]
    assert [b["label"] for b in labels] == ["BAN", "取り消し", "対応不要"]
    for action in REPORT_ACTIONS:
        match = re.fullmatch(CUSTOM_ID_TEMPLATE, custom_id(action, 7))
        assert match and match["action"] == action and match["strike_id"] == "7"
    for foreign in ("cg:report:kick:7", "cg:report:ban:", "cg:report:ban:7x", "other:ban:7"):
        assert re.fullmatch(ReportButton.__discord_ui_compiled_template__, foreign) is None

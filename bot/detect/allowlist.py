"""The community's own identifiers, which the detector must leave alone.

An admin types entries such as ``example-community.jp``, ``https://discord.gg/ourcode``,
``@official_acct`` or ``03-1234-5678``; :meth:`Allowlist.from_entries` sorts them into domains
(optionally with a path prefix), handles and phone numbers, and rejects what is none of these.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex

# `regex` is imported, and the entry patterns compiled, only when an allow-list is used: the
# detector imports this module, and `contact-guard scan` without --allow never needs them.


@functools.cache
def _entry_patterns() -> tuple[regex.Pattern[str], regex.Pattern[str], regex.Pattern[str]]:
    """The patterns of a domain (optionally with a path), a handle and a phone number."""
    import regex

    return (
        regex.compile(r"(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?:/[a-z0-9._~%/\-+@]*)?"),
        regex.compile(r"[a-z0-9_][a-z0-9._\-]{0,49}"),
        regex.compile(r"\+?[0-9()\-. ]{6,30}"),
    )


def normalize_number(number: str) -> str:
    """Digits only, with Japan's +81 written as the national leading 0 so both forms match."""
    digits = "".join(c for c in number if c.isdigit())
    if number.strip().startswith("+81") or (number.strip().startswith("81") and len(digits) in (11, 12)):
        digits = "0" + digits[2:]
    return digits


@dataclass(frozen=True)
class Allowlist:
    """Identifiers that produce no finding. All stored casefolded / digits only."""

    domains: frozenset[str] = frozenset()  # "example.jp" (and subdomains), or "discord.gg/code"
    handles: frozenset[str] = frozenset()  # "official_acct" (no @)
    numbers: frozenset[str] = frozenset()  # digits only, "0312345678"

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> Allowlist:
        """Classify raw admin input; raise ValueError naming the first entry that is none of
        a domain/link, an @handle or a phone number."""
        import regex

        domain_re, handle_re, number_re = _entry_patterns()
        domains: set[str] = set()
        handles: set[str] = set()
        numbers: set[str] = set()
        for raw in entries:
            entry = unicodedata.normalize("NFKC", raw).strip().casefold()
            if not entry:
                continue
            if entry.startswith("@"):
                handle = entry[1:]
                if not handle_re.fullmatch(handle):
                    raise ValueError(f"allow-list entry {raw!r}: not a valid @handle")
                handles.add(handle)
                continue
            link = regex.sub(r"^(?:https?://)?(?:www\.)?", "", entry).rstrip("/")
            if domain_re.fullmatch(link) and not link.replace(".", "").isdigit():
                domains.add(link)
                continue
            if number_re.fullmatch(entry):
                digits = normalize_number(entry)
                if 6 <= len(digits) <= 15:
                    numbers.add(digits)
                    continue
            if handle_re.fullmatch(entry) and any(c.isalpha() for c in entry):
                handles.add(entry)
                continue
            raise ValueError(
                f"allow-list entry {raw!r}: expected a domain or link (example.jp, "
                "discord.gg/code), an @handle or a phone number"
            )
        return cls(frozenset(domains), frozenset(handles), frozenset(numbers))

    def __bool__(self) -> bool:
        return bool(self.domains or self.handles or self.numbers)

    def allows_link(self, link: str) -> bool:
        """*link* is host[/path], casefolded, without scheme."""
        import regex

        link = regex.sub(r"^(?:https?://)?(?:www\.)?", "", link.casefold())
        host, _, path = link.partition("/")
        for entry in self.domains:
            entry_host, _, entry_path = entry.partition("/")
            if host != entry_host and not host.endswith("." + entry_host):
                continue
            if not entry_path or path == entry_path or path.startswith(entry_path.rstrip("/") + "/"):
                return True
        return False

    def allows_email(self, address: str) -> bool:
        domain = address.casefold().rpartition("@")[2]
        return bool(domain) and self.allows_link(domain)

    def allows_handle(self, handle: str) -> bool:
        return handle.casefold().lstrip("@") in self.handles

    def allows_number(self, number: str) -> bool:
        return normalize_number(number) in self.numbers

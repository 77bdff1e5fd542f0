"""What the fake remembers about each REST call, and the failures a test can inject."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def normalise_template(template: str) -> str:
    """``/channels/{c}/messages/{m}`` and ``/channels/{channel_id}/...`` compare equal."""
    return _PLACEHOLDER.sub("{}", template)


@dataclass(frozen=True)
class RecordedFile:
    field_name: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class RecordedCall:
    """One REST request the client made, in arrival order.

    ``path`` is relative to the API base (``/channels/1/messages``), ``route_template`` names the
    route (``/channels/{channel_id}/messages``; ``None`` for routes the fake does not know),
    ``json`` is the JSON body (for multipart requests: the parsed ``payload_json``), ``headers``
    never contains the Authorization header.
    """

    method: str
    path: str
    route_template: str | None
    json: Any
    query: dict[str, str]
    headers: dict[str, str]
    files: list[RecordedFile] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    status: int = 0
    response: Any = None
    #: monotonic arrival time, for latency measurements
    at: float = 0.0

    @property
    def reason(self) -> str | None:
        """The X-Audit-Log-Reason header, URL-decoded as Discord stores it."""
        raw = self.headers.get("X-Audit-Log-Reason")
        return unquote(raw) if raw is not None else None

    def matches(self, method: str, path_or_template: str) -> bool:
        """Match a concrete path (``/channels/1/messages``) or a template with ``{...}``."""
        if self.method != method.upper():
            return False
        if "{" in path_or_template:
            return self.route_template is not None and normalise_template(
                self.route_template
            ) == normalise_template(path_or_template)
        return self.path == path_or_template


@dataclass
class FailureRule:
    """Answer matching requests with an error instead of handling them.

    ``times`` is how many requests fail (``None``: all of them); ``where`` restricts the rule to
    given path parameters, e.g. ``{"channel_id": "123"}``.
    """

    method: str
    template: str
    status: int
    code: int
    message: str
    times: int | None = 1
    where: dict[str, str] = field(default_factory=dict)
    retry_after: float = 0.0
    is_global: bool = False

    def applies_to(self, method: str, template: str, params: dict[str, str]) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method != method or normalise_template(self.template) != normalise_template(template):
            return False
        return all(params.get(key) == value for key, value in self.where.items())

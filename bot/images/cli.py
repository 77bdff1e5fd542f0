"""`contact-guard image-check FILE...`: what the bot would see in a picture, for an admin.

For each file: whether it could be searched (and why not), the QR codes and barcodes found,
which of them carry contact details (with the detector's kinds and rule ids, the matched part
masked), and whether the photo carries a GPS position. The coordinates themselves are never
printed: the bot never shows them to anyone, and neither does this command.

Exit status: 0 nothing found in any file, 1 something found (a contact in a code or a
location), 2 error (a file that cannot be read, a bad rules pack), so scripts can use it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_CLEAN = 0
EXIT_FOUND = 1
EXIT_ERROR = 2


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this layer's subcommands to *sub*. Handlers import heavy modules lazily."""
    check = sub.add_parser(
        "image-check",
        help="show the QR codes, contact details and location data the bot would find in images",
        description=(
            "Decodes each image like the bot does (QR codes and barcodes with fallbacks for "
            "rotation, contrast, noise and size; GPS position in EXIF/XMP) and runs the detector "
            "over every decoded payload. Coordinates are never printed. Exit status: 0 nothing "
            "found, 1 something found, 2 error."
        ),
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--json", action="store_true", help="one JSON object per file")
    check.add_argument("--allow", action="append", default=[], metavar="ENTRY",
                       help="allow-list entry (a domain, @handle or number); repeatable")
    check.add_argument("--rules-dir", action="append", default=[], type=Path, metavar="DIR",
                       help="extra rule pack folder; repeatable")
    check.add_argument("--max-bytes", type=int, default=None, help="byte cap per image (default 10 MB)")
    check.set_defaults(handler=run_image_check)


def _masked(kind: str, text: str) -> str:
    try:
        from bot.discord.masking import mask
    except ImportError:  # the Discord layer is optional for this command
        return "***"
    return mask(kind, text)


def _describe(path: Path, report: Any) -> dict[str, Any]:
    inspection = report.inspection
    return {
        "file": str(path),
        "status": inspection.status.value,
        "detail": inspection.detail,
        "format": inspection.format,
        "size": [inspection.width, inspection.height] if inspection.width else None,
        "codes": [{"format": c.format, "found_by": c.found_by} for c in inspection.codes],
        "findings": [
            {
                "kind": item.finding.kind,
                "rule_id": item.finding.rule_id,
                "code_format": item.code.format,
                "matched": _masked(item.finding.kind, item.matched),
            }
            for item in report.code_findings
        ],
        "location": inspection.location_source if inspection.has_location else None,
        "elapsed_ms": round(inspection.elapsed_s * 1000, 1),
    }


def _print_human(described: dict[str, Any]) -> None:
    size = described["size"]
    header = f"{described['file']}: {described['status']}"
    if described["format"]:
        header += f" ({described['format']}{f' {size[0]}x{size[1]}' if size else ''})"
    print(header)
    if described["detail"]:
        print(f"  note: {described['detail']}")
    print(f"  codes found: {len(described['codes'])}"
          + (f" ({', '.join(c['format'] for c in described['codes'])})" if described["codes"] else ""))
    for finding in described["findings"]:
        print(f"  contact in a {finding['code_format']}: {finding['kind']} {finding['matched']} [{finding['rule_id']}]")
    if described["location"]:
        print(f"  location: YES, the photo carries a GPS position ({described['location']}); coordinates not shown")
    else:
        print("  location: none")


def run_image_check(args: argparse.Namespace) -> int:
    from bot.detect.allowlist import Allowlist
    from bot.detect.engine import load_detector
    from bot.detect.rules import RulePackError
    from bot.images.analyze import analyze_image
    from bot.images.types import DEFAULT_LIMITS, ImageLimits

    try:
        # Rules only, as in the bot (bot.images.integration): the learned model judges chat
        # messages, and a code's payload (a link, a vCard) is not one.
        detector = load_detector(extra_rule_dirs=args.rules_dir, learned_model=False)
        allowlist = Allowlist.from_entries(args.allow) if args.allow else None
        limits = ImageLimits(max_bytes=args.max_bytes) if args.max_bytes else DEFAULT_LIMITS
    except (RulePackError, ValueError) as exc:
        print(f"contact-guard image-check: {exc}", file=sys.stderr)
        return EXIT_ERROR

    status = EXIT_CLEAN
    for path in args.files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"contact-guard image-check: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            status = EXIT_ERROR
            continue
        report = analyze_image(data, scan=detector.scan, allowlist=allowlist, limits=limits, attachment_id=path.name)
        described = _describe(path, report)
        if args.json:
            print(json.dumps(described, ensure_ascii=False), flush=True)
        else:
            _print_human(described)
        if report.flagged and status == EXIT_CLEAN:
            status = EXIT_FOUND
    return status

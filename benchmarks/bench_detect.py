"""Detection benchmarks, run by hand: throughput against the baselines, and worst-case latency.

    .venv/bin/python benchmarks/bench_detect.py                 # both parts
    .venv/bin/python benchmarks/bench_detect.py --part worst    # only the adversarial inputs
    .venv/bin/python benchmarks/bench_detect.py --part throughput --baseline-venv /tmp/basevenv

Part 1 (throughput) runs the evaluation kit's scorer with ``--bench N`` over the development
corpus for `contact-guard scan` as documented (one scanning process: the default), for
`contact-guard scan --jobs auto` (the opt-in bulk mode: one scanning process per usable CPU, at
most 4), and for the four baselines of shared/eval/BASELINES.md, one after the other on this
machine, and prints messages/s and the ratio to the phonenumbers baseline (acceptance:
`contact-guard scan` >= 1.5x phonenumbers). The baselines need their own virtualenv:

    python3 -m venv /tmp/basevenv
    /tmp/basevenv/bin/pip install phonenumbers==9.0.43 commonregex==1.5.4 \
        presidio-analyzer==2.2.366 rurex==0.2.0

A baseline whose packages are missing fails in the scorer and is reported as such; the others
still run.

Part 2 (worst case) times ``Detector.scan`` on adversarial texts (long digit runs, separator
floods, repeated keyword fragments, "@" floods, zero-width floods, kana digit readings, every
disguise at once ...) at 250 to 4,000 characters (Discord's limit), and prints the median and
maximum CPU time per scan (the thread's CPU time: what the scan costs, without the moments a
shared machine runs other work; the wall-clock maximum is printed beside it) and the growth of
the time per character: a flat per-character figure means linear growth (acceptance: every
4,000-character input scans in under 5 ms of CPU, median of its runs; the slowest single run is
printed too). It also times the cross-message window on a stream of maximal messages, the worst
the bot does per message.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CONTACT_GUARD_SHARED", REPO.parent / "shared"))
BASELINE_ENGINES = ("phonenumbers", "commonregex", "automod", "presidio")
LENGTHS = (250, 500, 1000, 2000, 4000)
WORST_CASE_BUDGET_MS = 5.0
THROUGHPUT_TARGET = 1.5

# ---------------------------------------------------------------------------- part 1: throughput

_BENCH_LINE = re.compile(r"BENCH: .*?(\d+) messages in ([\d.]+) s = (\d+) messages/s")
_SUMMARY_ROW = re.compile(r"^(contact recall|solicit recall|clean FPR|F1)\s+(\S+)", re.MULTILINE)


def run_scorer(
    name: str, command: str, corpus: Path, repeats: int
) -> dict[str, str | float | None]:
    """Run score.py once for one engine and pull the figures out of its report."""
    argv = [
        sys.executable,
        str(SHARED / "eval" / "score.py"),
        "--corpus",
        str(corpus),
        "--cmd",
        command,
        "--bench",
        str(repeats),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, check=False)
    row: dict[str, str | float | None] = {"engine": name, "command": command}
    if done.returncode != 0:
        row["error"] = " | ".join(done.stderr.strip().splitlines()[-4:]) or "(no output)"
        return row
    bench = _BENCH_LINE.search(done.stdout)
    row["messages"] = float(bench.group(1)) if bench else None
    row["seconds"] = float(bench.group(2)) if bench else None
    row["per_second"] = float(bench.group(3)) if bench else None
    for label, value in _SUMMARY_ROW.findall(done.stdout):
        row[label] = value  # first column = all items
    return row


def default_scan_command() -> str:
    """This repository's `contact-guard scan`: its virtualenv's console script, else this
    interpreter running the package (the scorer runs it from the repository root)."""
    script = REPO / ".venv" / "bin" / "contact-guard"
    if script.exists():
        return f"{shlex.quote(str(script))} scan"
    return f"{shlex.quote(sys.executable)} -m bot.cli scan"


def throughput(args: argparse.Namespace) -> bool:
    corpus = Path(args.corpus)
    scan_cmd = args.scan_cmd or default_scan_command()
    python = Path(args.baseline_venv) / "bin" / "python"
    engines: list[tuple[str, str]] = [
        # The default: one scanning process (the single-core figure).
        ("contact-guard", scan_cmd),
        # Opt-in bulk mode: one scanning process per usable CPU.
        ("contact-guard --jobs auto", f"{scan_cmd} --jobs auto"),
        # The rules alone, without the learned model: what the second opinion costs.
        ("contact-guard --no-model", f"{scan_cmd} --no-model"),
    ]
    # A shell with PYTHONDONTWRITEBYTECODE set would otherwise time the compilation of every
    # module on each start, which an installed package never pays.
    compileall.compile_dir(REPO / "bot", quiet=1)
    for engine in BASELINE_ENGINES:
        engines.append((engine, f"{python} {SHARED / 'eval' / 'baselines.py'} --engine {engine}"))
    print(
        f"Throughput: score.py --bench {args.repeats} over {corpus}; {args.rounds} rounds, the "
        "engines taking turns within each round; each engine's best round is shown\n"
    )
    best: dict[str, dict[str, str | float | None]] = {}
    for _ in range(args.rounds):
        for name, command in engines:
            row = run_scorer(name, command, corpus, args.repeats)
            kept = best.get(name)
            if (
                kept is None
                or "error" in kept
                or (
                    "error" not in row
                    and (row.get("per_second") or 0.0) > (kept.get("per_second") or 0.0)
                )
            ):
                best[name] = row
    rows = [best[name] for name, _ in engines]
    reference = next(
        (r["per_second"] for r in rows if r["engine"] == "phonenumbers" and r.get("per_second")),
        None,
    )
    header = (
        "engine",
        "contact recall",
        "solicit recall",
        "clean FPR",
        "F1",
        "messages/s",
        "vs phonenumbers",
    )
    table = [header]
    for row in rows:
        if "error" in row:
            table.append((str(row["engine"]), "failed", "", "", "", "", ""))
            continue
        per_second = row.get("per_second")
        ratio = (
            f"{per_second / reference:.2f}x"
            if isinstance(per_second, float) and isinstance(reference, float)
            else "n/a"
        )
        table.append(
            (
                str(row["engine"]),
                str(row.get("contact recall", "?")),
                str(row.get("solicit recall", "?")),
                str(row.get("clean FPR", "?")),
                str(row.get("F1", "?")),
                f"{per_second:,.0f} ({row['messages']:,.0f} in {row['seconds']:.2f} s)"
                if isinstance(per_second, float)
                else "?",
                ratio,
            )
        )
    print_table(table)
    for row in rows:
        if "error" in row:
            print(f"\n{row['engine']} failed: {row['error']}\n  command: {row['command']}")
    bulk = rows[1].get("per_second")
    if isinstance(bulk, float) and isinstance(reference, float):
        print(f"\nbulk mode (--jobs auto): {bulk / reference:.2f}x phonenumbers")
    ours = rows[0].get("per_second")
    if not isinstance(ours, float) or not isinstance(reference, float):
        print("\nacceptance (>= 1.5x phonenumbers): cannot tell, a run failed")
        return False
    passed = ours >= THROUGHPUT_TARGET * reference
    print(
        f"acceptance (contact-guard scan >= {THROUGHPUT_TARGET}x phonenumbers): "
        f"{ours / reference:.2f}x -> {'PASS' if passed else 'FAIL'}"
    )
    return passed


# ---------------------------------------------------------------------------- part 2: worst case


def _repeat(unit: str) -> Callable[[int], str]:
    def build(length: int) -> str:
        return (unit * (length // len(unit) + 1))[:length]

    return build


def _between(head: str, filler: str, tail: str) -> Callable[[int], str]:
    """One long run of *filler* between two characters: the run a pattern with a leading
    ``\\s*`` rescans from every position (quadratic) unless it is anchored."""

    def build(length: int) -> str:
        return head + filler * (length - len(head) - len(tail)) + tail

    return build


# Every disguise the engine sees through, at once, in one chunk that is then repeated.
_EVERYTHING = (
    "０９０ 〇九〇 零壱弐 ぜろきゅうぜろ まる ｾﾞﾛ zero kyuu nine oh ⓪⑨⓪ ⁰⁹ 𝟎𝟗 0️⃣9️⃣ "
    "0\u200b9\u200d0\u2060 ０-９-０ (0)9.0/ ライン らいん ﾗｲﾝ L I N E ＬＩＮＥ Lіne L1NE "
    "インスタ テレグラム カカオ 微信 카톡 @ ＠ あっと アットマーク (at) [dot] ドット "
    "hxxp://exa mple . com/%41 ||spoiler|| `code` **bold** > quote "
)

ADVERSARIAL: dict[str, Callable[[int], str]] = {
    "digit run": _repeat("0123456789"),
    "phone-like run": _repeat("090 "),
    "digit/separator pairs": _repeat("0-"),
    "separator flood": _repeat("-"),
    "space run": _between("a", " ", "b"),
    "line-break run": _between("0", "\n", "1"),
    "tab run": _between("x", "\t", "@"),
    "ideographic space run": _between("a", "\u3000", "b"),
    "mixed separators": _repeat(" -./_()・ー〜\n"),
    "one char per line": _repeat("0\n9\n0\n"),
    "keyword fragments": _repeat("line"),
    "keyword + space": _repeat("line "),
    "platform words": _repeat("LINE ID insta telegram kakao snap "),
    "@ flood": _repeat("@"),
    "handle@ pairs": _repeat("a@"),
    "dotted handle run": _repeat("a_1."),
    "at/dot words": _repeat("at dot "),
    "url fragments": _repeat("https://a."),
    "invite fragments": _repeat("discord.gg/"),
    "zero-width flood": _repeat("\u200b"),
    "zero-width in digits": _repeat("0\u200b"),
    "kana readings": _repeat("ぜろきゅうぜろ"),
    "kanji digits": _repeat("〇九〇一二三"),
    "fullwidth digits": _repeat("０９０１２３４"),
    "keycap emoji": _repeat("0️⃣"),
    "markdown flood": _repeat("||`**"),
    "every disguise": _repeat(_EVERYTHING),
}


def _every_trigger_word(length: int) -> str:
    """Every disguise, then every trigger literal of the built-in packs, spaced: a text that
    switches on every rule at once (the inputs above each switch on a few)."""
    from bot.detect.engine import load_detector

    literals = sorted({literal for rule in load_detector().rules for literal in rule.triggers})
    return _repeat(_EVERYTHING + " ".join(literals) + " ")(length)


ADVERSARIAL["every trigger word"] = _every_trigger_word


def _examples(kind: str) -> Callable[[int], str]:
    """The packs' own examples back to back: ordinary long posts rather than constructed
    floods. The negative ones are clean text full of trigger words (hard negatives in both
    languages), the positive ones a message holding dozens of contact details."""

    def build(length: int) -> str:
        from bot.detect.engine import load_detector

        examples = [
            example
            for rule in load_detector().rules
            for example in (rule.negative_examples if kind == "negative" else rule.positive_examples)
        ]
        return _repeat(" ".join(examples) + " ")(length)

    return build


ADVERSARIAL["every clean example"] = _examples("negative")
ADVERSARIAL["every positive example"] = _examples("positive")


def _time_scan(
    scan: Callable[[str], object], text: str, runs: int
) -> tuple[list[float], list[float]]:
    """(CPU ms, wall-clock ms) of each run. CPU time is what scanning the text costs; the wall
    clock also counts the moments the machine ran other work instead (on a shared 2-core
    machine a single run can take twice its CPU time), so the acceptance check uses CPU time
    and the wall-clock maximum is printed beside it."""
    scan(text)  # warm caches (compiled patterns, lazy tables)
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(runs):
        wall_start = time.perf_counter()
        cpu_start = time.thread_time()
        scan(text)
        cpu.append((time.thread_time() - cpu_start) * 1000.0)
        wall.append((time.perf_counter() - wall_start) * 1000.0)
    return cpu, wall


def worst_case(args: argparse.Namespace) -> bool:
    sys.path.insert(0, str(REPO))
    from bot.detect.engine import load_detector
    from bot.detect.window import ConversationWindow, WindowMessage

    detector = load_detector()
    # As `contact-guard scan` does after loading: the long-lived rule set is kept out of full
    # collections, which would otherwise land (about 3 ms each) inside random timed scans.
    gc.freeze()

    def scan(text: str) -> object:
        return detector.scan(text)

    print(
        f"\nWorst case: Detector.scan on adversarial texts, {args.runs} runs each "
        "(median CPU ms at each length in characters; max CPU ms and max wall-clock ms at 4,000)\n"
    )
    header = [
        "input", *(f"{n}" for n in LENGTHS), "max @4000", "wall max", "growth 500->4000"
    ]
    table: list[tuple[str, ...]] = [tuple(header)]
    worst_4000 = worst_median_4000 = 0.0
    worst_input = worst_median_input = ""
    suspicious: list[str] = []
    for name, build in ADVERSARIAL.items():
        cells = [name]
        medians: dict[int, float] = {}
        maximum = wall_maximum = 0.0
        for length in LENGTHS:
            text = build(length)
            timings, wall_timings = _time_scan(scan, text, args.runs)
            medians[length] = statistics.median(timings)
            cells.append(f"{medians[length]:.2f}")
            if length == LENGTHS[-1]:
                maximum, wall_maximum = max(timings), max(wall_timings)
        per_char_500 = medians[500] / 500
        per_char_4000 = medians[4000] / 4000
        growth = per_char_4000 / per_char_500 if per_char_500 > 0 else float("nan")
        cells.append(f"{maximum:.2f}")
        cells.append(f"{wall_maximum:.2f}")
        cells.append(f"{growth:.2f}")
        table.append(tuple(cells))
        if maximum > worst_4000:
            worst_4000, worst_input = maximum, name
        if medians[LENGTHS[-1]] > worst_median_4000:
            worst_median_4000, worst_median_input = medians[LENGTHS[-1]], name
        if growth > 2.0 and medians[4000] > 0.5:
            suspicious.append(name)
    print_table(table)
    print(
        "\n'growth' = (ms per char at 4,000) / (ms per char at 500): about 1 for linear time, "
        "8 for quadratic (8 times the length), below 1 when fixed per-scan overhead dominates short texts."
    )

    # The window: a stream of six maximal messages, each observed after the previous ones, so
    # every observe joins up to max_chars characters on top of scanning the message itself.
    window = ConversationWindow(scan)  # type: ignore[arg-type]
    window_timings: list[float] = []
    for round_number in range(args.runs):
        for part in range(6):
            text = ADVERSARIAL["every disguise"](4000)
            message = WindowMessage(
                f"r{round_number}p{part}",
                "channel",
                "author",
                text,
                float(round_number * 10 + part),
            )
            start = time.perf_counter()
            window.observe(message)
            window_timings.append((time.perf_counter() - start) * 1000.0)
    print(
        f"\nWindow: observe() of 4,000-char messages in one stream ({len(window_timings)} calls): "
        f"median {statistics.median(window_timings):.2f} ms, max {max(window_timings):.2f} ms"
    )

    # Judged on each input's median: the scan of a given text costs the same every time, and
    # on this virtual machine an isolated run now and then takes two to four times its median
    # on ANY input (the host's preemption counts as the thread's CPU time), so the single
    # slowest run measures the host, not the scan. That maximum is still printed.
    passed = worst_median_4000 < WORST_CASE_BUDGET_MS
    print(
        f"\nacceptance (every 4,000-char input scans in < {WORST_CASE_BUDGET_MS:g} ms CPU, median of "
        f"{args.runs} runs): slowest input {worst_median_4000:.2f} ms ({worst_median_input}) -> "
        f"{'PASS' if passed else 'FAIL'}"
    )
    print(
        f"slowest single run: {worst_4000:.2f} ms CPU ({worst_input})"
        + ("" if worst_4000 < WORST_CASE_BUDGET_MS else " - above the budget; compare its median")
    )
    if suspicious:
        print("super-linear growth suspected for: " + ", ".join(suspicious))
    return passed


# ---------------------------------------------------------------------------- output


def print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells).rstrip())
        if number == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("all", "throughput", "worst"), default="all")
    parser.add_argument(
        "--baseline-venv", default="/tmp/basevenv", help="venv with the baselines' packages"
    )
    parser.add_argument(
        "--corpus", default=str(SHARED / "corpus"), help="corpus folder for score.py"
    )
    parser.add_argument("--repeats", type=int, default=50, help="score.py --bench N (default 50)")
    parser.add_argument(
        "--scan-cmd",
        help="detector command as documented (default: this repo's `contact-guard scan`); the "
        "bulk-mode figure runs it with --jobs auto appended",
    )
    parser.add_argument("--runs", type=int, default=30, help="timed scans per worst-case input")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="throughput rounds; the best of each engine is kept, which filters out moments "
        "when other work held the CPU (default 3)",
    )
    args = parser.parse_args(argv)
    results = []
    if args.part in ("all", "throughput"):
        results.append(throughput(args))
    if args.part in ("all", "worst"):
        results.append(worst_case(args))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

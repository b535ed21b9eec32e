"""CPU time of processes, read from /proc (Linux), so a benchmark can report CPU per request on a
machine that other work shares: the wall rate then says little, the CPU per request a lot."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd on (state, ppid, ...)


def cpu_seconds(pids: list[int], *, system_only: bool = False) -> dict[int, float]:
    """User + system CPU seconds of each pid still alive (or system CPU alone)."""
    seconds = {}
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:  # utime, stime
            seconds[pid] = (int(fields[12]) if system_only else int(fields[11]) + int(fields[12])) / TICKS
    return seconds


def process_tree(root: int) -> list[int]:
    """root and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def pid_listening_on(port: int) -> int | None:
    """The `lojal serve` process started with --port port."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                arguments = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in arguments and b"--port" in arguments and str(port).encode() in arguments:
                return int(entry.name)
    return None


def used_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two readings (processes that appeared meanwhile count from zero)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])

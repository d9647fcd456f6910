"""CPU time of processes on this machine, from /proc (Linux), for the bench scripts."""

from __future__ import annotations

import os
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def stat_fields(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (so field 3 of proc(5) is
    index 0), or None if there is no such process here."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_ticks(fields: list[str]) -> int:
    """User + system clock ticks of every thread of the process, from `stat_fields`."""
    return int(fields[11]) + int(fields[12])


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process `pid`, None if it is not on this machine."""
    fields = stat_fields(pid)
    return None if fields is None else cpu_ticks(fields) / TICKS_PER_SECOND

"""python manage.py import_customers FILE --tenant tn_… [--format csv|jsonl]
[--on-duplicate skip|update|fail] [--report rejected.csv] [--chunk-size 1000]

Rows are validated as POST /v1/customer validates a body (customers.importer) and written in
chunks, each in its own transaction. After each chunk a checkpoint (FILE.checkpoint.json,
or --checkpoint) records the rows done; a rerun after an interruption resumes there, and rows
the interrupted run had written are skipped, never duplicated (their ids are derived from
their content). A progress bar on a terminal; otherwise a progress line every few seconds.
"""

from __future__ import annotations

import csv
import json
import logging
import multiprocessing
import os
import sys
import time
from collections import deque
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from tqdm import tqdm

from customers.importer import (
    ON_DUPLICATE,
    Counts,
    DuplicateRow,
    Importer,
    worker_init,
    worker_validate,
)
from customers.transfer import FORMATS, UnknownColumns, format_for, read_rows
from tenants.selectors import tenant_get_by_public_id

PROGRESS_EVERY_SECONDS = 5.0
logger = logging.getLogger("cm.import")


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


@contextmanager
def _validated_chunks(rows, done_line: int, size: int, workers: int, importer: Importer):
    """Yields each Validated chunk of the rows after `done_line`, in file order. With
    workers > 1 a process pool validates the next chunks while the caller writes one; at
    most two chunks per worker are in flight, so memory stays bounded."""
    pending = (r for r in rows if r[0] > done_line)
    chunks = iter(lambda: list(islice(pending, size)), [])
    if workers <= 1:
        yield (importer.validator.validate_chunk(chunk) for chunk in chunks)
        return
    connections.close_all()  # a forked worker must not share the parent's connection
    with multiprocessing.get_context("fork").Pool(
        workers,
        initializer=worker_init,
        initargs=(importer.tenant, importer.validator.keep_data),
    ) as pool:

        def ordered():
            in_flight = deque(
                pool.apply_async(worker_validate, (c,)) for c in islice(chunks, 2 * workers)
            )
            while in_flight:
                validated = in_flight.popleft().get()
                nxt = next(chunks, None)
                if nxt is not None:
                    in_flight.append(pool.apply_async(worker_validate, (nxt,)))
                yield validated

        yield ordered()


class Checkpoint:
    """Rows done so far for this file (identified by size and mtime) and tenant."""

    def __init__(self, path: Path, source: Path, tenant_id: str):
        stat = source.stat()
        self.path = path
        self.identity = {
            "file": str(source.resolve()),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "tenant": tenant_id,
        }

    def load(self) -> tuple[int, Counts] | None:
        try:
            state = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        if state.get("identity") != self.identity:
            return None
        return state["last_line"], Counts(**state["counts"])

    def save(self, last_line: int, counts: Counts) -> None:
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        state = {"identity": self.identity, "last_line": last_line, "counts": vars(counts)}
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


class Command(BaseCommand):
    help = "Import customers for a tenant from CSV or JSON Lines, validated as the API does."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--tenant", required=True, help="The tenant's id (tn_…).")
        parser.add_argument("--format", choices=FORMATS, help="Default: from the extension.")
        parser.add_argument("--on-duplicate", choices=ON_DUPLICATE, default="skip")
        parser.add_argument("--report", help="Write rejected rows (row, reason) to this CSV.")
        parser.add_argument("--chunk-size", type=int, default=1000)
        parser.add_argument(
            "--workers",
            type=int,
            default=min(os.cpu_count() or 1, 4),
            help="Processes that validate rows while this one writes (1: all in this one).",
        )
        parser.add_argument("--checkpoint", help="Default: FILE.checkpoint.json")
        parser.add_argument(
            "--progress",
            choices=["auto", "bar", "lines", "none"],
            default="auto",
            help="auto: a bar on a terminal, else a line every few seconds.",
        )

    def handle(self, *args, **options):
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        tenant = tenant_get_by_public_id(public_id=options["tenant"])
        if tenant is None:
            raise CommandError(f"Unknown tenant {options['tenant']!r}.")
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size must be at least 1.")
        fmt = format_for(str(source), options["format"])
        checkpoint = Checkpoint(
            Path(options["checkpoint"] or f"{source}.checkpoint.json"), source, tenant.public_id
        )
        resumed = checkpoint.load()
        done_line, totals = resumed or (0, Counts())
        if resumed:
            self.stdout.write(f"Resuming after line {done_line} ({totals.rows} rows done).")
        importer = Importer(tenant=tenant, on_duplicate=options["on_duplicate"])
        report = self._open_report(options["report"], append=bool(resumed))
        progress = self._progress(options["progress"], _count_lines(source), totals.rows)
        started, rows_this_run = time.monotonic(), 0
        try:
            with (
                source.open(newline="", encoding="utf-8-sig") as handle,
                _validated_chunks(
                    read_rows(handle, fmt),
                    done_line,
                    options["chunk_size"],
                    options["workers"],
                    importer,
                ) as chunks,
            ):
                for validated in chunks:
                    result = importer.write_chunk(validated)
                    totals.add(result.counts)
                    if report:
                        report[1].writerows(result.rejected)
                        report[0].flush()
                    done_line = validated.last_line
                    checkpoint.save(done_line, totals)
                    rows_this_run += validated.rows
                    progress(validated.rows, totals)
        except UnknownColumns as exc:
            raise CommandError(f"Unknown columns: {exc}. Nothing was imported.") from exc
        except DuplicateRow as exc:
            progress(0, totals, close=True)
            self._summary(totals, rows_this_run, started, stream=self.stderr)
            raise CommandError(
                f"Stopped at {exc} (--on-duplicate fail). Rows before its chunk are imported; "
                "fix the file and run again to resume."
            ) from exc
        finally:
            if report:
                report[0].close()
        progress(0, totals, close=True)
        checkpoint.clear()
        self._summary(totals, rows_this_run, started, stream=self.stdout)

    def _open_report(self, path: str | None, *, append: bool):
        if not path:
            return None
        existed = append and Path(path).is_file()
        handle = open(path, "a" if existed else "w", newline="", encoding="utf-8")  # noqa: SIM115
        writer = csv.writer(handle)
        if not existed:
            writer.writerow(["row", "reason"])
        return handle, writer

    def _progress(self, mode: str, total_lines: int, already: int):
        """A callable (rows just done, totals, close=False) drawing progress in `mode`."""
        if mode == "auto":
            mode = "bar" if self.stdout.isatty() else "lines"
        if mode == "none":
            return lambda n, totals, close=False: None
        if mode == "bar":
            bar = tqdm(
                total=max(total_lines - 1, already),
                initial=already,
                unit="rows",
                file=sys.stderr,
                dynamic_ncols=True,
            )

            def draw(n, totals, close=False):
                bar.update(n)
                bar.set_postfix(created=totals.created, rejected=totals.rejected, refresh=False)
                if close:
                    bar.close()

            return draw
        state = {"last": time.monotonic(), "start": time.monotonic(), "rows": 0}

        def line(n, totals, close=False):
            state["rows"] += n
            now = time.monotonic()
            if close or now - state["last"] < PROGRESS_EVERY_SECONDS:
                return
            state["last"] = now
            rate = state["rows"] / max(now - state["start"], 1e-9)
            self.stdout.write(
                f"progress: {totals.rows} rows ({totals.created} created, "
                f"{totals.rejected} rejected), {rate:,.0f} rows/s"
            )

        return line

    def _summary(self, totals: Counts, rows: int, started: float, *, stream) -> None:
        elapsed = time.monotonic() - started
        rate = rows / elapsed if elapsed > 0 else 0.0
        logger.info(
            "import finished",
            extra={  # "created" is a LogRecord attribute of its own: prefix the counts
                **{f"rows_{name}": count for name, count in vars(totals).items()},
                "rows": rows,
                "seconds": round(elapsed, 3),
            },
        )
        stream.write(
            f"created={totals.created} updated={totals.updated} skipped={totals.skipped} "
            f"rejected={totals.rejected} ({rows} rows in {elapsed:.1f}s, {rate:,.0f} rows/s)"
        )

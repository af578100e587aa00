"""`ingest`, `import`, `compliance`, `check` and `backup`: what goes into the database, and keeping it sound."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click

from bot.cli.common import (
    friendly_errors,
    main,
    opened_store,
)
from bot.clock import utc_today
from bot.config import Settings
from bot.services import build_services


@main.command()
@click.option(
    "--source",
    "source_name",
    type=click.Choice(["x", "mastodon", "bluesky", "all"]),
    default="all",
    show_default=True,
    help="Which source to collect from.",
)
@click.option(
    "--topic",
    "topics",
    multiple=True,
    metavar="TEXT",
    help="A topic to collect for (repeatable); default: every topic a channel tracks.",
)
@friendly_errors
def ingest(source_name: str, topics: tuple[str, ...]) -> None:
    """Run one collection cycle for the given or tracked topics."""
    from bot.services.collection import SOURCE_NAMES, run_cycle
    from bot.services.topics import TopicSpec

    settings = Settings.from_env()
    today = utc_today()
    with opened_store(settings) as store:
        planner = build_services(settings, store).planner
        if not topics:
            from bot.services.tag_health import review_listened_tags, sample_guarded_tags
            from bot.sources.tag_lookups import sample_posts

            for health in review_listened_tags(planner, today):
                if health.drifted:
                    click.echo(f"Demoted {health.line()}")
            sample = partial(sample_posts, settings)
            for health in sample_guarded_tags(planner, sample, today):
                click.echo(f"Sampled {health.sample_line()}")
        queries = planner.listening([TopicSpec(t) for t in topics] if topics else None, today=today)
        if not queries:
            click.echo(
                'Nothing to listen for: no channel tracks a topic yet. Pass --topic "lung cancer" '
                "or track one in Slack."
            )
            return
        names = SOURCE_NAMES if source_name == "all" else (source_name,)
        report = run_cycle(settings, store, queries, names=names)
    click.echo(report.summary())
    sys.exit(1 if report.failed else 0)


@main.command()
@click.option("--wait", is_flag=True, help="Keep checking until X has answered, then apply it.")
@click.option(
    "--every",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="How often to ask X while waiting.",
)
@friendly_errors
def compliance(wait: bool, every: float) -> None:
    """Check stored X posts and accounts with X; remove what was deleted, protected or suspended.

    `run` does this by itself once a day. Each call does the next step: ask X to check the
    stored ids, or apply X's answer once it is ready.
    """
    import time

    from bot.services.compliance import compliance_step

    settings = Settings.from_env()
    with opened_store(settings) as store:
        report = compliance_step(settings, store)
        click.echo(report.summary())
        while wait and report.waiting:
            time.sleep(every)
            report = compliance_step(settings, store)
            click.echo(report.summary())
    sys.exit(1 if report.error else 0)


@main.command()
@click.option("--repair", is_flag=True, help="Rewrite the counts that differ from the recount.")
@friendly_errors
def check(repair: bool) -> None:
    """Recount every hashtag count from stored posts; say what differs (and --repair it).

    Exits 1 when counts differ and were not repaired, 0 when they add up or were repaired.
    """
    from bot.services.integrity import check_counts

    settings = Settings.from_env()
    with opened_store(settings) as store:
        report = check_counts(store, repair=repair)
    click.echo(report.summary())
    sys.exit(1 if report.unrepaired else 0)


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, allow_dash=True))
@click.option("--include-retweets", is_flag=True, help="Keep retweets (skipped by default).")
@friendly_errors
def import_archives(paths: tuple[Path, ...], include_retweets: bool) -> None:
    """Load twarc2 JSONL or X API v2 JSON archives (gzipped too; - reads stdin).

    Exits 0 when every line of every file was read, 1 when something was skipped or a file
    could not be read (everything good is stored either way); importing again stores nothing new.
    """
    from bot.services.archive_import import import_archive

    settings = Settings.from_env()
    complete = True
    superseded: set[str] = set()  # an edit in one file replaces an earlier version in another
    with opened_store(settings) as store:
        for path in paths:
            report = import_archive(
                store,
                path,
                include_reposts=include_retweets,
                progress=_progress_printer(),
                superseded=superseded,
            )
            click.echo(report.summary())
            complete = complete and report.complete
            if report.interrupted:
                sys.exit(130)  # the usual exit status after Ctrl-C
        store.rebuild_cooccur_window(utc_today())  # answers read the new posts' pairs at once
    sys.exit(0 if complete else 1)


def _progress_printer() -> Callable[[Any, int, int], None]:
    """Progress on stderr about once a second, so long imports show they are moving."""
    started = last = time.monotonic()

    def show(report: Any, done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= 1.0 and (done < total or not total):
            last = now
            rate = report.posts_read / max(now - started, 1e-6)
            share = f"{100 * done / total:.0f}% · " if total else ""
            click.echo(
                f"  {report.name}: {share}{report.posts_read:,} posts · {rate:,.0f} posts/s",
                err=True,
            )

    return show


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@friendly_errors
def backup(path: Path) -> None:
    """Copy the database to PATH while the bot runs (SQLite's online backup)."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        size = store.backup(path)
    click.echo(f"Backed up {settings.db_path} to {path} ({size / 1_000_000:,.1f} MB).")

"""The `hashtag-bot` command: a thin click layer over the library."""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.clock import utc_now, utc_today
from bot.config import ConfigError, Settings
from bot.knowledge import KnowledgeError, load_knowledge
from bot.log_redaction import redact_logs, secrets_of
from bot.render.text import suggestion_text
from bot.services import build_services
from bot.services.suggestions import DEFAULT_LIMIT, MAX_LIMIT
from bot.storage import Store, StoreError

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(command: F) -> F:
    """Configuration and database problems end the command with what to fix, not a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ConfigError, StoreError, KnowledgeError) as err:
            click.echo(f"hashtag-bot: {err}", err=True)
            sys.exit(2)
        except sqlite3.Error as err:
            logging.getLogger(__name__).debug("database error", exc_info=True)
            click.echo(
                f"hashtag-bot: the database could not be used ({err}). "
                "Run `hashtag-bot doctor` to check HASHTAG_BOT_DB.",
                err=True,
            )
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@contextmanager
def opened_store(settings: Settings) -> Iterator[Store]:
    store = Store(settings.db_path)
    try:
        yield store
    finally:
        store.close()


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # dates the bot can reason about


def parse_day(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    """--as-of DATE: a real calendar day between 2000 and 2100 (a usage error otherwise)."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-27") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise click.BadParameter(f"{value!r} is outside {FIRST_DAY.year}–{LAST_DAY.year}")
    return day


def parse_moment(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> datetime | None:
    """--as-of DATETIME: ISO 8601, UTC unless it names an offset; a bare date means its start."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a moment like 2026-11-27T09:00 or 2026-11-27T09:00+01:00"
        ) from None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise click.BadParameter(f"{value!r} is outside {FIRST_DAY.year}–{LAST_DAY.year}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="hashtag-bot")
def main() -> None:
    """hashtag-bot: the hashtags patient communities really use, with the evidence."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        secrets = secrets_of(Settings.from_env())
    except ConfigError:  # the command itself says what is wrong; token shapes are still hidden
        secrets = []
    redact_logs(secrets)


@main.command()
@click.argument("text", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_LIMIT),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="How many hashtags.",
)
@click.option(
    "--as-of", callback=parse_day, metavar="DATE", help="Answer as on this day (YYYY-MM-DD)."
)
@click.option("--explain", is_flag=True, help="Print every reason behind each tag.")
@friendly_errors
def suggest(
    text: tuple[str, ...], as_json: bool, limit: int, as_of: date | None, explain: bool
) -> None:
    """Suggest hashtags for TEXT: exactly the answer `/hashtag TEXT` gives."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        result = services.suggester.suggest(" ".join(text), today=as_of or utc_today(), limit=limit)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(suggestion_text(result, explain=explain))


@main.command()
@click.option(
    "--http",
    "use_http",
    is_flag=True,
    help="Serve HTTP at /slack/events even if SLACK_APP_TOKEN is set.",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="HTTP port (default: PORT or 3000)."
)
@friendly_errors
def run(use_http: bool, port: int | None) -> None:
    """Run the bot and its scheduler: Socket Mode with SLACK_APP_TOKEN, else HTTP."""
    from bot.server import run_bot  # Slack and waitress load only for the commands that serve

    settings = Settings.from_env()
    logging.getLogger().setLevel(settings.log_level)
    run_bot(settings, http=use_http, port=port)


@main.command()
def doctor() -> None:
    """Check settings, Slack token and scopes, database and sources; say what to fix."""
    from bot.doctor import report, run_checks

    checks = run_checks()
    click.echo(report(checks))
    sys.exit(1 if any(check.failed for check in checks) else 0)


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
    from bot.services.collection import SOURCE_NAMES, queries_for, run_cycle, tracked_queries

    settings = Settings.from_env()
    kb = load_knowledge()
    today = utc_today()
    with opened_store(settings) as store:
        if not topics:
            from bot.services.tag_health import review_listened_tags

            for health in review_listened_tags(store, kb, utc_today()):
                if health.drifted:
                    click.echo(f"Demoted {health.line()}")
        queries = (
            queries_for(((t, None) for t in topics), kb, today=today)
            if topics
            else tracked_queries(store, kb, today=today)
        )
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
@click.option(
    "--channel", "channel_id", metavar="ID", help="The digest of the topics this channel tracks."
)
@click.option(
    "--topic", "topics", multiple=True, metavar="TEXT", help="A topic to digest (repeatable)."
)
@click.option(
    "--as-of",
    callback=parse_day,
    metavar="DATE",
    help="Build it as at the end of this day (YYYY-MM-DD).",
)
@click.option("--preview", is_flag=True, help="Print the channel's digest instead of posting it.")
@click.option("--json", "as_json", is_flag=True, help="Print the digest as JSON.")
@click.option("--blocks", "as_blocks", is_flag=True, help="Print the Slack message payloads.")
@click.option(
    "--record",
    is_flag=True,
    help="Mark a --preview as delivered, so later digests don't repeat its accounts.",
)
@friendly_errors
def digest(
    channel_id: str | None,
    topics: tuple[str, ...],
    as_of: date | None,
    preview: bool,
    as_json: bool,
    as_blocks: bool,
    record: bool,
) -> None:
    """Build a digest for a channel's tracked topics (posting it) or for the topics given."""
    from bot.domain.text import clean_text
    from bot.render.text import digest_text
    from bot.services.delivery import deliver_digests, introduced_by
    from bot.services.digests import MAX_TOPIC_CHARS, TopicSpec, as_of_moment, tracked_topics
    from bot.services.schedules import channel_clocks

    if bool(channel_id) == bool(topics):
        raise click.UsageError(
            'Give either --channel ID or --topic TEXT (e.g. --topic "lung cancer").'
        )
    if as_json and as_blocks:
        raise click.UsageError("Choose one of --json and --blocks.")
    if record and not (channel_id and preview):
        raise click.UsageError(
            "--record goes with --channel ID --preview: it marks that preview as delivered."
        )
    settings = Settings.from_env()
    now = utc_now()
    if as_of is not None and as_of != now.date():
        now = as_of_moment(as_of)
    posting = bool(channel_id) and not preview
    if posting:
        settings.require("SLACK_BOT_TOKEN")
    with opened_store(settings) as store:
        services = build_services(settings, store, clock=lambda: now)
        if posting and channel_id:
            from bot.app import create_web_client

            clock = channel_clocks(store, settings.digest_hour).get(channel_id)
            day = as_of or (clock.schedule.local_day(now) if clock else now.date())
            (delivery,) = deliver_digests(
                store,
                services.digester,
                create_web_client(settings),
                now=now,
                days={channel_id: day},
            )
            if delivery.digest is not None and (as_json or as_blocks):
                click.echo(_digest_output(delivery.digest, as_json=as_json))
            click.echo(delivery.summary(), err=bool(as_json or as_blocks))
            sys.exit(1 if delivery.error else 0)
        if channel_id:
            specs = tracked_topics(store, channel_id).get(channel_id, [])
        else:
            specs = [TopicSpec(clean_text(t, limit=MAX_TOPIC_CHARS)[0]) for t in topics]
        built = services.digester.for_topics(specs, now=now, channel_id=channel_id)
        if as_json or as_blocks:
            click.echo(_digest_output(built, as_json=as_json))
        else:
            click.echo(digest_text(built))
        if record and channel_id and built.topics:
            store.record_digest(channel_id, built.as_of, introduced_by(built), now=now)
            click.echo(f"Recorded as {channel_id}'s digest for {built.as_of}.", err=True)


def _digest_output(built: Any, *, as_json: bool) -> str:
    """A digest as JSON, or as the Slack message payloads a channel would get."""
    from bot.slack.digest import digest_messages

    if as_json:
        return json.dumps(built.as_json(), ensure_ascii=False, indent=2)
    channel = {"channel": built.channel_id} if built.channel_id else {}
    payloads = [channel | payload for payload in digest_messages(built)]
    return json.dumps(payloads, ensure_ascii=False, indent=2)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@friendly_errors
def backup(path: Path) -> None:
    """Copy the database to PATH while the bot runs (SQLite's online backup)."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        size = store.backup(path)
    click.echo(f"Backed up {settings.db_path} to {path} ({size / 1_000_000:,.1f} MB).")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the schedules as JSON.")
@click.option(
    "--as-of",
    callback=parse_moment,
    metavar="DATETIME",
    help="Next runs after this moment (ISO 8601; UTC unless it names an offset).",
)
@friendly_errors
def schedule(as_json: bool, as_of: datetime | None) -> None:
    """Each tracking channel's digest schedule and its next run."""
    from bot.services.schedules import channel_clocks

    settings = Settings.from_env()
    now = as_of or utc_now()
    with opened_store(settings) as store:
        clocks = channel_clocks(store, settings.digest_hour)
    rows = [clock.as_json(now) for clock in clocks.values()]
    if as_json:
        click.echo(json.dumps({"channels": rows}, indent=2))
        return
    if not rows:
        click.echo("No channel tracks a topic yet, so no digest is scheduled.")
        return
    for clock, row in zip(clocks.values(), rows, strict=True):
        chosen = "" if clock.chosen else " (the default: set one with /hashtag digest …)"
        when = clock.schedule.describe()
        click.echo(f"{row['channel']}: {when}; next {row['next_utc'] or '-'}{chosen}")


# Approved outreach ---------------------------------------------------------------------------


@main.group()
def messages() -> None:
    """The library of IRB-approved messages (every change kept as a new version)."""


@messages.command("add")
@click.option("--study", required=True, help="The study, as the team knows it.")
@click.option("--irb", "irb_ref", required=True, metavar="REF", help="The IRB's reference.")
@click.option("--approved", required=True, metavar="DATE", help="Day of approval (YYYY-MM-DD).")
@click.option("--expires", required=True, metavar="DATE", help="Day the approval ends.")
@click.option(
    "--condition", "conditions", multiple=True, required=True, metavar="TEXT", help="Repeatable."
)
@click.option("--url", required=True, help="The approved study link.")
@click.option("--hashtags", type=click.Choice(["allowed", "none"]), required=True)
@click.option("--text", required=True, help="The approved text, word for word.")
@click.option("--by", default="command line", show_default=True, help="Who is adding it.")
@click.option("--edit", "message_id", type=int, metavar="ID", help="Save as a new version of ID.")
@friendly_errors
def messages_add(
    study: str,
    irb_ref: str,
    approved: str,
    expires: str,
    conditions: tuple[str, ...],
    url: str,
    hashtags: str,
    text: str,
    by: str,
    message_id: int | None,
) -> None:
    """Add an approved message (or, with --edit ID, a new version); prints its id and any
    wording warnings."""
    from bot.domain.approvals import read_approval

    settings = Settings.from_env()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        approval, errors = read_approval(
            study=study,
            irb_ref=irb_ref,
            approved=approved,
            expires=expires,
            conditions=tuple(" ".join(c.split()) for c in conditions if c.strip()),
            text=text,
            url=url,
            hashtags=hashtags,
            today=services.today(),
        )
        if approval is None:
            for field, problem in errors.items():
                flag = "condition" if field == "conditions" else field
                click.echo(f"hashtag-bot: --{flag}: {problem}", err=True)
            sys.exit(2)
        if message_id is not None and services.outreach.message(message_id) is None:
            raise click.BadParameter(f"there is no message {message_id}", param_hint="--edit")
        saved = services.outreach.save(approval, by=by, now=utc_now(), message_id=message_id)
    m = saved.message
    state = "saved" if saved.saved else "unchanged"
    click.echo(f"Message {m.id}, version {m.version} ({state}): {m.approval.study}")
    for warning in saved.warnings:
        click.echo(f"warning: {warning}")


@messages.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the library as JSON.")
@click.option("--versions", "message_id", type=int, metavar="ID", help="Every version of ID.")
@friendly_errors
def messages_list(as_json: bool, message_id: int | None) -> None:
    """The newest version of every approved message, or every version of one."""
    from bot.domain.wording import check_wording

    settings = Settings.from_env()
    today = utc_today()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        found = (
            services.outreach.versions(message_id)
            if message_id is not None
            else services.outreach.messages()
        )
    if as_json:
        listed = [
            m.as_json(today) | {"warnings": [str(w) for w in check_wording(m.approval.text)]}
            for m in found
        ]
        click.echo(json.dumps({"messages": listed}, ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("No approved messages yet: `hashtag-bot messages add --help`.")
    for m in found:
        a = m.approval
        click.echo(
            f"{m.id} v{m.version}  {a.study}  IRB {a.irb_ref}  {', '.join(a.conditions)}  "
            f"{a.approved_on}–{a.expires_on} ({a.status(today)})  hashtags "
            f"{'allowed' if a.hashtags_allowed else 'none'}  by {m.changed_by} {m.changed_at[:10]}"
        )
        click.echo(f"    {a.text} {a.url}")
        for warning in check_wording(a.text):
            click.echo(f"    warning: {warning}")


@main.command()
@click.argument("topic", nargs=-1, required=True)
@click.option("--as-of", callback=parse_day, metavar="DATE", help="Compose as on this day.")
@click.option("--json", "as_json", is_flag=True, help="Print the drafts as JSON.")
@friendly_errors
def compose(topic: tuple[str, ...], as_of: date | None, as_json: bool) -> None:
    """Per-network drafts of the unexpired approved messages for TOPIC, with today's hashtags."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        composition = services.outreach.compose(" ".join(topic), as_of or utc_today())
    if as_json:
        click.echo(json.dumps(composition.as_json(), ensure_ascii=False, indent=2))
        return
    for draft in composition.drafts:
        fits = "" if draft.fits else "  TOO LONG, not cut"
        click.echo(
            f"[{draft.platform}] {draft.study} (message {draft.message_id}) {draft.length}/{draft.limit}{fits}"
        )
        click.echo(f"    {draft.text}")
        for warning in draft.warnings:
            click.echo(f"    warning: {warning}")
    for note in composition.notes:
        click.echo(f"note: {note}")


@main.command()
@click.argument("tag")
@click.option("--json", "as_json", is_flag=True, help="Print the check as JSON.")
@friendly_errors
def available(tag: str, as_json: bool) -> None:
    """Is a new campaign TAG already in use (stored posts, Bluesky, Mastodon), and how it reads."""
    settings = Settings.from_env()
    with opened_store(settings) as store:
        services = build_services(settings, store)
        report = services.outreach.available(tag, utc_today())
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"#{report.tag}: {report.verdict}")
    stored = report.stored
    click.echo(f"  stored posts: {stored['posts']:,} by {stored['authors']:,} accounts")
    for look in report.live:
        if look.get("error"):
            click.echo(f"  {look['network']}: couldn't look ({look['error']})")
        else:
            who = ", ".join(f"@{h}" for h in look["accounts"])
            click.echo(
                f"  {look['network']} now: {look['posts']} recent posts"
                + (f" by {who}" if who else "")
            )
    for collision in report.collisions:
        click.echo(f"  collides: {collision}")
    for note in report.readability:
        click.echo(f"  reads: {note}")


# Alerts between digests ----------------------------------------------------------------------


@main.command()
@click.option("--channel", "channel_id", metavar="ID", help="Only this channel's alerts.")
@click.option(
    "--as-of",
    callback=parse_moment,
    metavar="DATETIME",
    help="Check as at this moment (ISO 8601; UTC unless it names an offset).",
)
@click.option("--preview", is_flag=True, help="Show what would fire; post nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as JSON.")
@friendly_errors
def alerts(channel_id: str | None, as_of: datetime | None, preview: bool, as_json: bool) -> None:
    """The alerts due now (a burst, a tag taking off, a conversation gathering people), posted
    to their channels unless --preview; each event reaches a channel once."""
    from bot.services.alerts import alerter_for

    settings = Settings.from_env()
    now = as_of or utc_now()
    if not preview:
        settings.require("SLACK_BOT_TOKEN")
    with opened_store(settings) as store:
        services = build_services(settings, store, clock=lambda: now)
        alerter = alerter_for(services)
        check = alerter.check(now, channel_id)
        if not preview:
            from bot.app import create_web_client

            check = alerter.deliver(create_web_client(settings), check)
    if as_json:
        click.echo(json.dumps({"alerts": [a.as_json() for a in check.alerts]}, indent=2))
    else:
        for found in check.alerts:
            click.echo(f"{found.channel_id} · {found.alert.kind} · {found.alert.summary}")
            for post in found.posts:
                click.echo(f"    @{post.author_handle}: {post.url}")
        if not check.alerts:
            click.echo("No alerts due.")
    for channel, why in check.held.items():
        click.echo(f"{channel}: nothing now, {why}", err=True)
    if not preview:
        click.echo(f"Posted {check.posted} alert{'s' * (check.posted != 1)}.", err=True)
    for channel, error in check.errors.items():
        click.echo(f"{channel}: {error}", err=True)
    sys.exit(1 if check.errors else 0)

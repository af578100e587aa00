"""X batch compliance: which stored posts and accounts X says must go (deleted, protected, ...).

A job is created through tweepy, the ids are uploaded as plain text to the job's upload_url, and
once X has processed them the results are read from its download_url: one JSON object per line,
only for ids that need action. They return ids and reasons, never posts.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, BinaryIO

import requests
import tweepy

from bot.config import Settings
from bot.sources.base import SourceAuthError, SourceError
from bot.sources.x import describe_error, error_detail, make_client, token_refused

WAITING = ("created", "in_progress")
FINISHED_BADLY = ("failed", "expired")
TRANSFER_TIMEOUT_S = 120.0


class JobLost(SourceError):
    pass


@dataclass(frozen=True)
class ComplianceJob:
    id: str
    kind: str
    status: str
    upload_url: str = ""
    download_url: str = ""


@dataclass(frozen=True)
class ComplianceEvent:
    """One id X says needs action, and why (deleted, protected, suspended, deactivated, ...)."""

    id: str
    action: str
    reason: str

    @property
    def removes(self) -> bool:
        """Everything but a geo scrub means the stored copy goes; the bot keeps no geo data."""
        return self.action != "scrub_geo" and self.reason != "scrub_geo"


@dataclass(frozen=True)
class IdFile:
    file: BinaryIO
    count: int


@contextmanager
def id_file(ids: Iterable[str]) -> Iterator[IdFile]:
    """The ids as X wants them, one per line, in a temporary file: a million ids stay on disk,
    not in the bot's memory, and the upload streams from there."""
    with tempfile.TemporaryFile() as file:
        count = 0
        for i in ids:
            if i.isdigit():
                file.write(i.encode() + b"\n")
                count += 1
        yield IdFile(file, count)


@dataclass
class Results:
    events: list[ComplianceEvent]
    unreadable: int = 0  # lines that were not a compliance event


def _job(data: Any, kind: str) -> ComplianceJob:
    if not isinstance(data, dict) or not data.get("id"):
        raise SourceError("X answered the compliance job request without a job.")
    return ComplianceJob(
        str(data["id"]),
        str(data.get("type") or kind),
        str(data.get("status") or ""),
        str(data.get("upload_url") or ""),
        str(data.get("download_url") or ""),
    )


class XCompliance:
    def __init__(
        self,
        settings: Settings,
        *,
        client: tweepy.Client | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings
        self.client = client or make_client(settings)
        self.session = session or requests.Session()

    def close(self) -> None:
        self.client.session.close()
        self.session.close()

    def create(self, kind: str) -> ComplianceJob:
        response = self._call(lambda: self.client.create_compliance_job(kind, name="hashtag-bot"))
        return _job(response.get("data"), kind)

    def job(self, job_id: str, kind: str) -> ComplianceJob:
        """The job as X has it now; status "lost" when X no longer knows it."""
        try:
            response = self._call(lambda: self.client.get_compliance_job(job_id))
        except JobLost:
            return ComplianceJob(job_id, kind, "lost")
        return _job(response.get("data"), kind)

    def upload(self, job: ComplianceJob, ids: IdFile) -> None:
        """The ids to the job's upload_url (it expires 15 minutes after the job is created)."""
        ids.file.seek(0)
        self._transfer("upload", "PUT", job.upload_url, data=ids.file)

    def results(self, job: ComplianceJob) -> Results:
        response = self._transfer("download", "GET", job.download_url)
        return read_results(response.iter_lines())

    def _transfer(self, what: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        if not url.startswith(("https://", "http://")):
            raise SourceError(f"X gave no usable {what} address for the compliance job.")
        headers = {"Content-Type": "text/plain"} if method == "PUT" else {}
        try:
            response = self.session.request(
                method, url, headers=headers, timeout=TRANSFER_TIMEOUT_S, stream=True, **kwargs
            )
        except requests.RequestException as err:
            raise SourceError(
                f"the compliance {what} failed ({describe_error(err)}); it is tried again next hour."
            ) from None
        if response.status_code >= 400:
            response.close()
            raise SourceError(
                f"the compliance {what} was refused (HTTP {response.status_code}); "
                "a new job is started next time."
            )
        return response

    def _call(self, request: Callable[[], Any]) -> dict[str, Any]:
        try:
            response = request()
        except tweepy.Unauthorized:
            raise token_refused() from None
        except tweepy.Forbidden as err:
            raise SourceAuthError(
                f"X refused batch compliance (403 Forbidden{error_detail(err)}): check in the X "
                "developer portal that the app's plan includes the compliance endpoints."
            ) from None
        except tweepy.NotFound:
            raise JobLost("X does not know that compliance job.") from None
        except tweepy.TooManyRequests:
            raise SourceError(
                "X rate limit reached for compliance jobs; tried again next hour."
            ) from None
        except (tweepy.HTTPException, requests.RequestException) as err:
            detail = error_detail(err) if isinstance(err, tweepy.HTTPException) else ""
            raise SourceError(
                f"X compliance jobs unavailable ({describe_error(err)}{detail}); tried again next hour."
            ) from None
        if not isinstance(response, dict):
            raise SourceError("X answered the compliance job request with something unreadable.")
        return response


def read_results(lines: Iterable[bytes | str]) -> Results:
    """Results as X writes them; a line that is not an event is counted, never fatal."""
    results = Results([])
    for line in lines:
        if not line or not line.strip():
            continue
        try:
            item = json.loads(line)
            event = ComplianceEvent(
                str(item["id"]), str(item.get("action", "")), str(item.get("reason", ""))
            )
        except (ValueError, TypeError, KeyError):
            results.unreadable += 1
            continue
        if event.id.isdigit():
            results.events.append(event)
        else:
            results.unreadable += 1
    return results

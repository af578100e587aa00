from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.domain.knowledge import KnowledgeBase
from bot.knowledge import load_knowledge
from bot.storage import Store
from bot.suggestions import Suggester

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's .env or write a database into the checkout."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "X_BEARER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HASHTAG_BOT_DB", str(tmp_path / "hashtag-bot.db"))


@pytest.fixture
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "store.db")
    yield store
    store.close()


@pytest.fixture
def suggester(kb: KnowledgeBase, store: Store) -> Suggester:
    return Suggester(kb, store)

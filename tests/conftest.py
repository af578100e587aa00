from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.domain.knowledge import KnowledgeBase
from bot.knowledge import load_knowledge
from bot.services import Services, build_services
from bot.services.suggestions import Suggester
from bot.storage import Store
from tests.factories import NOW


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


@pytest.fixture
def services(kb: KnowledgeBase, store: Store) -> Services:
    """The bot's services over the test store, with the clock stopped at NOW."""
    return build_services(Settings(), store, kb=kb, clock=lambda: NOW)

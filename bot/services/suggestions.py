"""The suggestion service: understand the text, gather evidence from the Store, rank."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.activity import WINDOW_DAYS, Observed
from bot.domain.audience import Audience
from bot.domain.calendar import day_label
from bot.domain.candidates import Candidate, Plan, curated_index, plan_condition
from bot.domain.conditions import ConditionMatcher, Understanding
from bot.domain.hashtags import tag_key
from bot.domain.knowledge import KnowledgeBase
from bot.domain.ranking import rank
from bot.domain.reach import TREND_SLACK_DAYS, TREND_WEEKS_BACK, TagReach, reach_from
from bot.domain.suggestion import SuggestionResult
from bot.storage import Store

MAX_CONDITIONS = 3
MAX_OBSERVED = 40  # co-occurring tags looked at per condition, most shared first
DEFAULT_LIMIT = 10
MAX_LIMIT = 25
SECONDARY_FACTOR = 0.9
MEASURED_MAX_AGE_DAYS = 30  # an older census figure no longer says how a tag is used
EXAMPLES = "“lung cancer”, “Crohn's”, “T1D” or “#LCSM”"


class Suggester:
    """`/hashtag TEXT` and `hashtag-bot suggest TEXT` both answer through here."""

    def __init__(self, kb: KnowledgeBase, store: Store) -> None:
        self.kb = kb
        self.store = store
        self.matcher = ConditionMatcher(kb)
        self.index = curated_index(kb)

    def suggest(
        self,
        text: str,
        *,
        today: date,
        limit: int = DEFAULT_LIMIT,
        audience: Audience | None = None,
    ) -> SuggestionResult:
        """The answer for the team `audience` describes (its country and languages; a question
        asked in another language adds that one)."""
        limit = max(1, min(limit, MAX_LIMIT))
        understanding = self.matcher.understand(text)
        audience = (audience or Audience()).also_in(understanding.languages)
        notes: list[str] = []
        if understanding.truncated:
            notes.append("That was long, so only its beginning was read.")
        if not understanding.text:
            return self._result(
                text, understanding, [], [], [*notes, _usage()], today, limit, {}, audience
            )
        matches = understanding.matches[:MAX_CONDITIONS]
        if len(understanding.matches) > MAX_CONDITIONS:
            skipped = ", ".join(m.condition.name for m in understanding.matches[MAX_CONDITIONS:])
            notes.append(
                f"Ask again for {skipped}: one answer covers at most {MAX_CONDITIONS} conditions."
            )
        for match in matches:
            if match.how == "fuzzy":
                notes.append(f"Read “{match.matched}” as {match.condition.name}.")
        plans = [
            plan_condition(self.kb, m.condition, today, 1.0 if i == 0 else SECONDARY_FACTOR)
            for i, m in enumerate(matches)
        ]
        if plans:
            observed = [self._observe(plan, today) for plan in plans]
            if understanding.unmatched:
                words = " ".join(understanding.unmatched)
                notes.append(f"“{words}” matched no condition, so the answer leaves it out.")
        else:
            plan, seen = self._observe_text(understanding, today)
            plans, observed = [plan], [seen]
            notes.append(_unknown_note(understanding, seen))
        reach = self._reach(plans, observed, today) if plans else {}
        if all(seen.empty for seen in observed) and plans and plans[0].condition is not None:
            if reach:
                measured = max(r.as_of for r in reach.values())
                notes.append(
                    "No stored posts use these tags yet, so the ranking rests on the knowledge "
                    f"base and the use a census measured (latest {day_label(measured)})."
                )
            else:
                notes.append(
                    "No stored posts use these tags yet, so the ranking rests on the knowledge "
                    "base. Track the condition in a channel to start listening."
                )
        return self._result(
            text, understanding, plans, observed, notes, today, limit, reach, audience
        )

    def _result(
        self,
        text: str,
        understanding: Understanding,
        plans: list[Plan],
        observed: list[Observed],
        notes: list[str],
        today: date,
        limit: int,
        reach: dict[str, TagReach],
        audience: Audience,
    ) -> SuggestionResult:
        suggestions = (
            rank(
                plans,
                observed,
                self.index,
                limit=limit,
                reach=reach,
                today=today,
                audience=audience,
            )
            if plans
            else []
        )
        evidence = sum(seen.seed_posts + seen.text_posts for seen in observed)
        return SuggestionResult(
            query=text,
            understanding=understanding,
            suggestions=tuple(suggestions),
            notes=tuple(notes),
            as_of=today,
            evidence_posts=evidence,
            knowledge_version=self.kb.version,
            audience=audience,
        )

    def _reach(
        self, plans: list[Plan], observed: list[Observed], today: date
    ) -> dict[str, TagReach]:
        """What censuses measured of every tag in play, as of `today` (and four weeks before)."""
        keys = {k for plan in plans for k in plan.candidates} | {
            k for seen in observed for k in seen.with_seeds
        }
        back = MEASURED_MAX_AGE_DAYS + 7 * TREND_WEEKS_BACK + TREND_SLACK_DAYS
        found = self.store.census_figures(keys, today - timedelta(days=back), today)
        reach = {
            key: reach_from(key, rows, today, max_age_days=MEASURED_MAX_AGE_DAYS)
            for key, rows in found.items()
        }
        return {key: r for key, r in reach.items() if r is not None}

    def _observe(self, plan: Plan, today: date) -> Observed:
        """Co-occurrence with the condition's seed tags, and activity of every tag in play."""
        with_seeds = self.store.cooccurring(plan.seeds, today, most=MAX_OBSERVED)
        top = sorted(with_seeds, key=lambda k: -with_seeds[k])[:MAX_OBSERVED]
        activity = self.store.tag_activity({*plan.candidates, *plan.seeds, *top}, today)
        seed_posts = sum(activity[k].posts for k in plan.seeds if k in activity)
        seed_posts -= self.store.seed_pair_posts(plan.seeds, today)
        return Observed(activity, {k: with_seeds[k] for k in top}, seed_posts=max(seed_posts, 0))

    def _observe_text(self, understanding: Understanding, today: date) -> tuple[Plan, Observed]:
        """No condition matched: the tags typed, and the tags of recent posts that say the words."""
        words = " ".join(understanding.unmatched) or understanding.text
        matched_posts, tags = self.store.tags_in_text_matches(words, today)
        plan = Plan(
            None, {}, set(), about=f"“{words}”", seen_with="posts that mention it", min_shared=2
        )
        for typed in understanding.typed_tags:
            key = tag_key(typed)
            form, kind, about = self.index.get(key, (typed, "general", ""))
            reasons = ["You typed it"] + ([f"Known tag for {about}"] if about else [])
            plan.add(Candidate(key, form, kind, 0.3, reasons, curated=bool(about)))
        top = sorted(tags, key=lambda k: -tags[k])[:MAX_OBSERVED]
        activity = self.store.tag_activity({*plan.candidates, *top}, today)
        seen = Observed(activity, {k: tags[k] for k in top}, text_posts=matched_posts)
        return plan, seen


def _usage() -> str:
    return f"Type a condition, a hashtag or a few words, e.g. {EXAMPLES}."


def _unknown_note(understanding: Understanding, seen: Observed) -> str:
    words = " ".join(understanding.unmatched) or understanding.text
    text = f"No condition in the knowledge base matches “{words}”."
    if seen.text_posts:
        return (
            text
            + f" These come from {seen.text_posts:,} stored posts from the last {WINDOW_DAYS} days that mention it."
        )
    return (
        text + " No stored posts mention it yet either. Try a condition name, e.g. "
        f"{EXAMPLES}, or track it in a channel so the bot starts listening."
    )

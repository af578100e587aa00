"""Query understanding: which conditions a recruiter's text names, however it is typed."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.domain.hashtags import extract_hashtags, tag_key
from bot.domain.knowledge import Condition, KnowledgeBase
from bot.domain.text import clean_text, normalize_term, normalize_words

MAX_QUERY_CHARS = 300
_WORD = re.compile(r"[\w'’]+")
# Words that carry no condition: "hashtags for lung cancer patients" means lung cancer.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "with",
        "for",
        "the",
        "in",
        "of",
        "on",
        "to",
        "about",
        "by",
        "vs",
        "versus",
        "patient",
        "patients",
        "trial",
        "trials",
        "study",
        "studies",
        "clinical",
        "recruitment",
        "recruiting",
        "recruit",
        "hashtag",
        "hashtags",
        "tag",
        "tags",
        "people",
        "living",
        "community",
        "awareness",
        "support",
        "please",
        "me",
        "my",
        "our",
        "suggest",
        "suggestion",
        "suggestions",
        "disease",
        "disorder",
        "syndrome",
        "condition",
        "conditions",
        "what",
        "which",
        "best",
        "top",
    ]
)


@dataclass(frozen=True)
class ConditionMatch:
    condition: Condition
    matched: str  # the words as typed
    how: str  # name | synonym | abbreviation | misspelling | tag | fuzzy
    score: float  # 100 for exact
    lang: str = ""  # ISO 639-1 of the name matched, when it is one language's only (cáncer de mama)


@dataclass(frozen=True)
class Understanding:
    text: str
    matches: tuple[ConditionMatch, ...]
    typed_tags: tuple[str, ...]  # hashtags typed in the query, as typed
    unmatched: tuple[str, ...]  # meaningful words no condition explains
    truncated: bool = False

    @property
    def primary(self) -> ConditionMatch | None:
        return self.matches[0] if self.matches else None

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages other than English the question was asked in, as its names say."""
        return tuple(dict.fromkeys(m.lang for m in self.matches if m.lang))


def _spelling(text: str) -> str:
    """Words as typed, accents kept, case and punctuation ignored: "Cáncer de mama"."""
    return " ".join(unicodedata.normalize("NFC", w).casefold() for w in _WORD.findall(text))


class ConditionMatcher:
    """Exact look-ups first (names, synonyms, abbreviations, tags), fuzzy matching for typos."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.exact: dict[str, tuple[str, str]] = {}
        self.mixed_case: dict[str, str] = {}  # "psa" -> "PsA": matched only as typed
        langs: dict[str, set[str]] = {}  # term -> the languages a name in them spells it
        spelt: dict[str, set[str]] = {}  # the same, accents kept: "cáncer de mama" is Spanish
        tag_owners: dict[str, set[str]] = {}
        for condition in kb.conditions.values():
            for tag in condition.tags:
                tag_owners.setdefault(tag_key(tag.tag), set()).add(condition.id)
        for condition in kb.conditions.values():
            entries = [(condition.name, "name")]
            entries += [(s, "synonym") for s in condition.synonyms]
            entries += [(n, "synonym") for n in condition.other_names]
            for lang, name in condition.names:
                langs.setdefault(normalize_term(name), set()).add(lang)
                spelt.setdefault(_spelling(name), set()).add(lang)
            entries += [(m, "misspelling") for m in condition.misspellings]
            entries += [(a, "abbreviation") for a in condition.abbreviations]
            for text, how in entries:
                term = normalize_term(text)
                if term:
                    self.exact.setdefault(term, (condition.id, how))
                    if how == "abbreviation" and not (text.isupper() or text.islower()):
                        self.mixed_case[term] = text
        for key, owners in tag_owners.items():
            term = normalize_term(key)
            if len(owners) == 1 and term and term not in self.exact:
                self.exact[term] = (next(iter(owners)), "tag")
        # A name two languages share ("linfoma") says nothing about which one was asked in.
        self.lang_of = {term: next(iter(ls)) for term, ls in langs.items() if len(ls) == 1}
        self.lang_spelt = {term: next(iter(ls)) for term, ls in spelt.items() if len(ls) == 1}
        self.alone = {
            normalize_term(word): condition.id
            for condition in kb.conditions.values()
            for word in condition.alone
        }
        self.max_words = max((len(t.split()) for t in self.exact), default=1)
        self.fuzzy_terms = sorted(
            t for t, (_, how) in self.exact.items() if how != "abbreviation" and len(t) >= 5
        )

    def understand(self, text: str) -> Understanding:
        """Which conditions the text names, in the order typed, and what is left unexplained."""
        cleaned, truncated = clean_text(text, limit=MAX_QUERY_CHARS)
        typed_tags = tuple(extract_hashtags(cleaned))
        raw_words = _WORD.findall(cleaned)
        words: list[tuple[str, str]] = []  # (as typed, normalized)
        for raw in raw_words:
            for norm in normalize_words(raw):
                words.append((raw, norm))
        matches: list[ConditionMatch] = []
        leftover: list[list[tuple[str, str]]] = [[]]
        i = 0
        while i < len(words):
            found = self._exact_at(words, i, alone=len(words) == 1)
            if found:
                length, match = found
                if all(m.condition.id != match.condition.id for m in matches):
                    matches.append(match)
                leftover.append([])
                i += length
            else:
                leftover[-1].append(words[i])
                i += 1
        unmatched: list[str] = []
        for run in leftover:
            unmatched += self._fuzzy(run, matches)
        if not matches and len(unmatched) == 1 and normalize_term(unmatched[0]) in self.alone:
            # "cancer" on its own means cancer in general; in "panceatic cancer" it doesn't.
            condition = self.kb.conditions[self.alone[normalize_term(unmatched[0])]]
            matches.append(ConditionMatch(condition, unmatched[0], "synonym", 100.0))
            unmatched = []
        return Understanding(cleaned, tuple(matches), typed_tags, tuple(unmatched), truncated)

    def _exact_at(
        self, words: list[tuple[str, str]], i: int, *, alone: bool
    ) -> tuple[int, ConditionMatch] | None:
        for length in range(min(self.max_words, len(words) - i), 0, -1):
            span = words[i : i + length]
            term = " ".join(norm for _, norm in span)
            hit = self.exact.get(term)
            if not hit:
                continue
            cid, how = hit
            typed = " ".join(dict.fromkeys(raw for raw, _ in span))
            if how == "abbreviation" and len(term) <= 3 and not (alone or typed.isupper()):
                continue  # "all" is a word; "ALL" is a leukaemia
            if term in self.mixed_case and typed != self.mixed_case[term]:
                continue  # "PsA" is psoriatic arthritis; "PSA" is a prostate test
            lang = self.lang_spelt.get(_spelling(typed)) or self.lang_of.get(term, "")
            return length, ConditionMatch(self.kb.conditions[cid], typed, how, 100.0, lang)
        return None

    def _fuzzy(self, run: list[tuple[str, str]], matches: list[ConditionMatch]) -> list[str]:
        """Typos in what exact matching left over; returns the words still unexplained."""
        unexplained: list[str] = []
        i = 0
        while i < len(run):
            best: tuple[int, str, float] | None = None
            for length in range(min(4, len(run) - i), 0, -1):
                span = run[i : i + length]
                if span[0][1] in STOPWORDS or span[-1][1] in STOPWORDS:
                    continue
                gram = " ".join(norm for _, norm in span)
                if len(gram) < 5:
                    continue
                cutoff = 90.0 if len(gram) < 8 else 85.0
                hit = process.extractOne(
                    gram, self.fuzzy_terms, scorer=fuzz.ratio, score_cutoff=cutoff
                )
                if hit:
                    best = (length, hit[0], float(hit[1]))
                    break
            if best:
                length, term, score = best
                cid = self.exact[term][0]
                typed = " ".join(raw for raw, _ in run[i : i + length])
                if all(m.condition.id != cid for m in matches):
                    condition = self.kb.conditions[cid]
                    lang = self.lang_of.get(term, "")
                    matches.append(ConditionMatch(condition, typed, "fuzzy", score, lang))
                i += length
            else:
                if run[i][1] not in STOPWORDS and not run[i][1].isdigit():
                    unexplained.append(run[i][0])
                i += 1
        return unexplained

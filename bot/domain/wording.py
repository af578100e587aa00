"""The wording check: FDA's "Recruiting Study Subjects" guidance, applied to an approved text.

It warns and names the words and the rule, once per rule with every passage it found; it never
rewrites approved text (the IRB decides).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FREE_TREATMENT = (
    "Recruitment ads should not promise “free medical treatment” when the intent is only to say "
    "participants will not be charged for taking part."
)
NEW_PRODUCT = (
    "Ads should not call a test article a “new treatment”, “new drug” or “new device” without "
    "explaining that it is investigational: it reads as a marketed product of proven worth."
)
CURE = (
    "No claim, explicit or implied, that the test article works: calling it a “cure” claims the "
    "effect the study is there to find out."
)
SAFE_OR_EFFECTIVE = (
    "No claim, explicit or implied, that the test article is safe or effective for the purpose "
    "under investigation, or equivalent or superior to another."
)
PAYMENT = (
    "Ads may say that participants are paid and how much, but should not emphasise the payment."
)


@dataclass(frozen=True)
class WordingWarning:
    words: tuple[str, ...]  # every passage the rule is about, as it appears in the text
    rule: str

    def __str__(self) -> str:
        return ", ".join(f"“{words}”" for words in self.words) + f": {self.rule}"


_FREE = re.compile(
    r"\bfree(?:\s+of\s+charge)?\s+(?:medical\s+|study\s+)?"
    r"(?:treatments?|therapy|therapies|care|medications?|medicines?|drugs?|surgery)\b"
    r"|\b(?:treatments?|therapy|care|medications?|medicines?|drugs?)\s+(?:is|are|will\s+be)\s+"
    r"(?:free|at\s+no\s+cost|free\s+of\s+charge)\b",
    re.IGNORECASE,
)
_NEW = re.compile(
    r"\bnew(?:est)?\s+(?:\w+\s+)?"
    r"(?:treatments?|therapy|therapies|drugs?|medications?|medicines?|devices?|procedures?|vaccines?)\b",
    re.IGNORECASE,
)
_INVESTIGATIONAL = re.compile(r"\b(?:investigational|experimental|not\s+yet\s+approved)\b", re.I)
_CURE = re.compile(r"\bcur(?:e|es|ed|ing|ative)\b", re.IGNORECASE)
_CLAIM = re.compile(
    r"\b(?:safe|safer|safest|safely|effective|more\s+effective|proven|breakthrough|miracle|"
    r"superior\s+to|better\s+than|works\s+better|guaranteed|side[-\s]effect[-\s]free|no\s+side\s+effects)\b",
    re.IGNORECASE,
)
# "to find out whether it is safe": the question a study asks, not a claim about the answer
_QUESTION = re.compile(
    r"\b(?:whether|if|how)\b|\b(?:test(?:s|ing)?|stud(?:y|ies|ying)|learn|see|evaluat\w*|assess\w*)\s+(?:the\s+)?"
    r"(?:safety|effectiveness|efficacy)\b",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"(?:[$€£]\s?\d[\d,.]*(?:\s?k\b)?|\b\d[\d,.]*\s?(?:dollars|usd|eur|euros|pounds|gbp)\b)",
    re.IGNORECASE,
)
_PAY_WORDS = re.compile(
    r"\b(?:earn|earning|cash|get\s+paid|be\s+paid|paid\s+study|paid\s+trial|paid\s+research|"
    r"compensation\s+of)\b",
    re.IGNORECASE,
)
_SHOUTED_PAY = re.compile(r"\b(?:PAID|PAY|CASH|EARN|MONEY|COMPENSATION)\b")
OPENING = 12  # characters: an amount this early is what the message leads with
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def check_wording(text: str) -> list[WordingWarning]:
    """Every passage FDA's guidance asks an IRB to look at twice, one warning per rule; nothing
    for a plain text."""
    passages: dict[str, dict[str, str]] = {}  # rule -> the passages, each once whatever its case

    def warn(words: str, rule: str) -> None:
        passages.setdefault(rule, {}).setdefault(words.casefold(), " ".join(words.split()))

    for match in _FREE.finditer(text):
        warn(match.group(0), FREE_TREATMENT)
    if not _INVESTIGATIONAL.search(text):
        for match in _NEW.finditer(text):
            warn(match.group(0), NEW_PRODUCT)
    for match in _CURE.finditer(text):
        warn(match.group(0), CURE)
    for sentence in _SENTENCE.findall(text):
        for match in _CLAIM.finditer(sentence):
            if not _QUESTION.search(sentence[: match.start()]):
                warn(match.group(0), SAFE_OR_EFFECTIVE)
    paid: list[tuple[int, int]] = []
    for pattern in (_PAY_WORDS, _SHOUTED_PAY, _MONEY):
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end in paid):
                continue
            if pattern is _MONEY and not _leads_or_exclaims(text, match):
                continue  # the amount, plainly stated, is allowed
            paid.append(match.span())
            warn(match.group(0), PAYMENT)
    return [WordingWarning(tuple(found.values()), rule) for rule, found in passages.items()]


def _leads_or_exclaims(text: str, match: re.Match[str]) -> bool:
    """An amount is emphasised when the message opens with it or exclaims it."""
    if match.start() < OPENING:
        return True
    rest = text[match.end() :]
    sentence_end = re.search(r"[.!?\n]", rest)
    return bool(sentence_end and sentence_end.group(0) == "!")

"""The wording check names the words and FDA's rule; a plain recruitment message gets nothing."""

from __future__ import annotations

import pytest

from bot.domain.wording import (
    CURE,
    FREE_TREATMENT,
    NEW_PRODUCT,
    PAYMENT,
    SAFE_OR_EFFECTIVE,
    check_wording,
)


@pytest.mark.parametrize(
    ("text", "words", "rule"),
    [
        ("Get free treatment for your lung cancer.", "free treatment", FREE_TREATMENT),
        ("Study medication is free of charge.", "medication is free", FREE_TREATMENT),
        ("Try a new drug for asthma.", "new drug", NEW_PRODUCT),
        ("A new cancer treatment is here.", "new cancer treatment", NEW_PRODUCT),
        ("Help us find the cure.", "cure", CURE),
        ("This therapy is safe and gentle.", "safe", SAFE_OR_EFFECTIVE),
        ("A proven approach for Crohn's.", "proven", SAFE_OR_EFFECTIVE),
        ("Works better than chemo.", "Works better", SAFE_OR_EFFECTIVE),
        ("Earn money while you help science.", "Earn", PAYMENT),
        ("$1,500 for adults with type 1 diabetes", "$1,500", PAYMENT),
        ("Join us and get $500!", "$500", PAYMENT),
        ("PAID research for adults with asthma", "PAID research", PAYMENT),
    ],
)
def test_each_warning_names_the_words_and_the_rule(text: str, words: str, rule: str) -> None:
    found = check_wording(text)
    assert next((w.words, w.rule) for w in found if w.rule == rule) == ((words,), rule)
    assert str(found[0]).startswith("“")


@pytest.mark.parametrize(
    "text",
    [
        "Adults with lung cancer may be eligible for a research study of an investigational "
        "medicine. Learn more:",
        "A study to find out whether an investigational drug is safe for people with asthma.",
        "The study tests the safety of a new investigational treatment.",
        "There is no cost to take part. Smoke-free adults aged 40 to 75.",
        "Participants receive up to $300 for their time and travel.",
        "We are studying new ways to support caregivers.",
    ],
)
def test_a_plain_message_gets_no_warning(text: str) -> None:
    assert check_wording(text) == []


def test_the_check_warns_and_never_rewrites() -> None:
    text = "Free treatment and a new drug that could cure you. Earn $900!"
    found = check_wording(text)
    assert {w.rule for w in found} == {FREE_TREATMENT, NEW_PRODUCT, CURE, PAYMENT}
    assert all(words in text for w in found for words in w.words)


def test_a_rule_is_said_once_with_every_passage_it_is_about() -> None:
    found = check_wording("A safe, proven and effective therapy. It is safe. Proven!")
    assert [str(w) for w in found] == [f"“safe”, “proven”, “effective”: {SAFE_OR_EFFECTIVE}"]

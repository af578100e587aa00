from __future__ import annotations

from bot.domain.hashtags import display_form, extract_hashtags, is_valid_tag, tag_key


def test_extraction_finds_tags_people_write_and_skips_look_alikes() -> None:
    text = "Tonight's #LCSM chat: #lungcancer &#39;quote&#39; see example.com/#section #2024 ＃Crohns #LCSM"
    assert extract_hashtags(text) == ["LCSM", "lungcancer", "Crohns"]


def test_extraction_is_unicode_aware() -> None:
    assert extract_hashtags("Día mundial #cáncerdepulmón y #乳がん") == ["cáncerdepulmón", "乳がん"]


def test_case_variants_share_one_key() -> None:
    assert tag_key("#LungCancer") == tag_key("lungcancer") == "lungcancer"


def test_validity() -> None:
    assert is_valid_tag("ASCO26") and is_valid_tag("#LCSM")
    assert not is_valid_tag("2024") and not is_valid_tag("lung cancer") and not is_valid_tag("")


def test_display_prefers_readable_camel_case_over_lowercase() -> None:
    assert display_form({"lungcancer": 50, "LungCancer": 10}) == "LungCancer"
    assert display_form({"lcsm": 50, "LCSM": 20}) == "LCSM"
    assert display_form({"lungcancer": 50}, curated="LungCancer") == "LungCancer"
    assert display_form({"Crohnies": 5, "crohnies": 4}) == "Crohnies"
    assert display_form({}, curated="BCSM") == "BCSM"

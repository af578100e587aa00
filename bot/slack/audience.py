"""`/hashtag region` and `/hashtag language`: the country and language a channel's answers fit,
and the words that say what a channel set."""

from __future__ import annotations

from bot.domain.audience import language_name
from bot.services import Services
from bot.slack.blocks import Message, escape
from bot.slack.notices import notice


def region_in_channel(services: Services, channel_id: str, text: str, *, user: str) -> Message:
    """`/hashtag region GB`: answers here fit that country; `/hashtag region global` clears it."""
    if not text.strip():
        return notice(audience_line(services, channel_id) + " " + _REGION_USAGE)
    try:
        region = services.channels.set_region(channel_id, text, user=user, now=services.now())
    except ValueError as err:
        return notice(f"{escape(str(err))}. {_REGION_USAGE}")
    if not region:
        fallback = services.settings.region
        return notice(
            f"Answers in <#{channel_id}> fit no one country now"
            + (f" beyond the default, {fallback}." if fallback else ".")
        )
    return notice(
        f"Answers in <#{channel_id}> now fit {region}: its tags come first, and a tag that "
        "belongs to another country shows lower down, saying where it belongs."
    )


def language_in_channel(services: Services, channel_id: str, text: str, *, user: str) -> Message:
    """`/hashtag language es`: answers here add that language's tags; `en` clears it."""
    if not text.strip():
        return notice(audience_line(services, channel_id) + " " + _LANGUAGE_USAGE)
    try:
        lang = services.channels.set_language(channel_id, text, user=user, now=services.now())
    except ValueError as err:
        return notice(f"{escape(str(err))}. {_LANGUAGE_USAGE}")
    if not lang:
        return notice(f"Answers in <#{channel_id}> hold tags in English only now.")
    return notice(
        f"Answers in <#{channel_id}> now add tags in {language_name(lang)} ({lang}) to the "
        "English ones, with their measured use."
    )


def audience_line(services: Services, channel_id: str) -> str:
    """ "Region: US · language: Spanish (es)", saying which come from the defaults."""
    own = services.channels.audience(channel_id)
    defaults = services.settings
    if own.region:
        region = own.region
    elif defaults.region:
        region = f"{defaults.region} (the default)"
    else:
        region = "not set"
    lang = own.language or defaults.language
    language = f"{language_name(lang)} ({lang}) and English" if lang else "English"
    if lang and not own.language:
        language += " (the default)"
    return f"Region: {region} · language: {language}."


_REGION_USAGE = (
    "Set it with `/hashtag region US` (or GB, CA, AU…), clear it with `/hashtag region global`."
)
_LANGUAGE_USAGE = (
    "Set it with `/hashtag language es` (or fr, de, pt, it…), clear it with `/hashtag language en`."
)

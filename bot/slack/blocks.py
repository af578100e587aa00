"""Block Kit for the `/hashtag` answer, inside Slack's limits, always with fallback text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.activity import WINDOW_DAYS
from bot.domain.calendar import day_label
from bot.domain.suggestion import Suggestion, SuggestionResult
from bot.domain.text import clean_text

# Slack's limits (docs.slack.dev/reference/block-kit): a message, a text, a button, a header.
MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_QUERY_IN_VALUE = 300  # the matcher reads no more than this, so the button keeps no more
ASK_REGION = (
    "No region set for this channel: `/hashtag region US` (or GB, CA, AU, IE…) puts that "
    "country's tags first. Until then, tags that belong to one country wait below the top five."
)

SHARE_ACTION = "hashtag_share"
TRACK_ACTION = "hashtag_track"
MORE_ACTION = "hashtag_more"
EXPLAIN_ACTION = "hashtag_explain"
COMPOSE_ACTION = "hashtag_compose"  # drafts of the approved messages for this condition
REMOVE_ACTION = "hashtag_remove"  # on a shared answer: its sharer takes it down

Block = dict[str, Any]
Message = dict[str, Any]


def escape(text: str) -> str:
    """User and knowledge-base text shown as mrkdwn can't mention @channel or fake a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_SAFE_URL = re.compile(r"https://[^\s<>|&\"]{1,500}")
# A post quoted as a link's label is shown as written, but its | would end the label early and
# its * ~ ` turn on bold, strike or code: look-alikes show them without the markup.
_LABEL_MARKUP = str.maketrans({"|": "∣", "*": "∗", "~": "∼", "`": "ˋ"})


def link(url: str, label: str) -> str:
    """`label` (escaped mrkdwn) linked to `url`; the label alone when the url could break out of
    Slack's <url|label>. The label's |, *, ~ and ` never act as markup."""
    label = label.translate(_LABEL_MARKUP)
    return f"<{url}|{label}>" if _SAFE_URL.fullmatch(url) else label


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) or " ", "emoji": True}


def mrkdwn(text: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit) or " "}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:MAX_CONTEXT_ELEMENTS]]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER)}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": plain(text, MAX_BUTTON_TEXT),
        "action_id": action_id,
        "value": value[:MAX_BUTTON_VALUE],
    }
    if style:
        element["style"] = style
    return element


def fit(blocks: list[Block]) -> list[Block]:
    """Keep a message within 50 blocks, dropping from the middle so the ending survives."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    tail = blocks[-3:]
    return [
        *blocks[: MAX_BLOCKS - len(tail) - 1],
        context("_More in `hashtag-bot suggest`._"),
        *tail,
    ]


def message(text: str, blocks: list[Block] | None = None) -> Message:
    """A reply with the fallback `text` Slack shows in notifications; `text` is escaped mrkdwn."""
    return {"text": clip(text, MAX_TEXT), "blocks": fit(blocks or [section(text)])}


@dataclass(frozen=True)
class AnswerRef:
    """What a button remembers about the answer it sits on: the query and the day it was made."""

    query: str
    as_of: date
    tag: str = ""  # the tag an Explain button is about
    expanded: bool = False  # the answer showed every tag (Show more): a Share shares them all

    def encode(self) -> str:
        query = clean_text(self.query, limit=MAX_QUERY_IN_VALUE)[0]
        value = (
            {"v": 1, "q": query, "d": self.as_of.isoformat()}
            | ({"t": self.tag} if self.tag else {})
            | ({"x": 1} if self.expanded else {})
        )
        return json.dumps(value, ensure_ascii=False)

    @classmethod
    def decode(cls, value: str | None) -> AnswerRef | None:
        """None for a value this version did not write (an old message, a tampered payload)."""
        try:
            data = json.loads(value or "")
            if (
                not isinstance(data, dict)
                or data.get("v") != 1
                or not isinstance(data.get("q"), str)
            ):
                return None
            tag = data.get("t", "")
            if not isinstance(tag, str):
                return None
            return cls(
                query=data["q"],
                as_of=date.fromisoformat(data["d"]),
                tag=tag,
                expanded=data.get("x") == 1,
            )
        except (ValueError, TypeError, KeyError):
            return None


def title(result: SuggestionResult) -> str:
    matches = result.understanding.matches
    if matches:
        return "Hashtags for " + ", ".join(m.condition.name for m in matches[:3])
    if result.understanding.text:
        return f"Hashtags for “{result.understanding.text}”"
    return "hashtag-bot"


def understood(result: SuggestionResult) -> str:
    read = [
        f"“{escape(m.matched)}” as *{escape(m.condition.name)}*"
        for m in result.understanding.matches
    ]
    day = day_label(result.as_of)
    return (f"Read {', '.join(read)} · " if read else "") + f"as of {day}"


def suggestion_line(n: int, suggestion: Suggestion) -> str:
    """One tag on one line: the tag, what it is, the one figure or source that matters."""
    line = f"*{n}. #{escape(suggestion.tag)}*  ·  {escape(suggestion.what)}  ·  {escape(suggestion.evidence)}"
    if suggestion.warning:
        line += f"\n:warning: _{escape(suggestion.warning)}_"
    return line


def suggestion_block(n: int, suggestion: Suggestion, ref: AnswerRef | None) -> Block:
    """A tag's line, with an Explain button for its full reasons (none on shared answers)."""
    block = section(suggestion_line(n, suggestion))
    if ref is not None:
        value = AnswerRef(ref.query, ref.as_of, suggestion.tag).encode()
        block["accessory"] = button("Explain", EXPLAIN_ACTION, value)
    return block


def copy_line(result: SuggestionResult) -> str:
    return " ".join(f"#{tag}" for tag in result.copy)


def explanation(result: SuggestionResult, tag: str) -> Message:
    """Every reason behind one suggested tag, for the person who pressed Explain."""
    wanted = tag.casefold()
    found = next((s for s in result.suggestions if s.tag.casefold() == wanted), None)
    if found is None:
        return message(
            f"#{escape(tag)} is no longer among today's suggestions for “{escape(result.query)}”."
            f" Ask again: `/hashtag {escape(result.query)}`"
        )
    reasons = "\n".join(f"• {escape(reason)}" for reason in found.reasons)
    head = f"*#{escape(found.tag)}*  ·  {escape(found.what)}"
    text = f"{head}\n{reasons}" if reasons else head
    if found.warning:
        text += f"\n:warning: _{escape(found.warning)}_"
    return message(f"Why #{escape(found.tag)}", [section(text)])


def freshness(result: SuggestionResult) -> str:
    return (
        f"based on {result.evidence_posts:,} posts from the last {WINDOW_DAYS} days; "
        f"knowledge base {result.knowledge_version}"
    )


def answer(
    result: SuggestionResult,
    *,
    can_share: bool = True,
    can_track: bool = True,
    shared_by: str = "",
    expanded: bool = False,
) -> Message:
    """The `/hashtag` answer: what was understood, the best tags one line each (the rest behind
    Show more), a copy line and buttons. Shared, it shows what its sharer saw (the first lines,
    or all of them after Show more) and a Remove button only its sharer may use."""
    top: list[Block] = [header(title(result)), context(understood(result))]
    if shared_by:
        top.append(context(f"Shared by <@{shared_by}>"))
    ref = AnswerRef(result.query, result.as_of, expanded=expanded)
    shown = result.suggestions if expanded else result.suggestions[: result.top_count]
    hidden = len(result.suggestions) - len(shown)
    end: list[Block] = []
    if hidden and not shared_by:
        more = button(f"Show {hidden} more", MORE_ACTION, ref.encode())
        end.append({"type": "actions", "block_id": "hashtag_more", "elements": [more]})
    if result.suggestions:
        end += [{"type": "divider"}, section(f"*Copy:*\n```{escape(copy_line(result))}```")]
    if result.notes:
        end.append(context(*(f"_{escape(note)}_" for note in result.notes)))
    if result.asks_region and not shared_by:
        end.append(context(ASK_REGION))
    buttons = []
    if can_share and result.suggestions and not shared_by:
        buttons.append(button("Share in channel", SHARE_ACTION, ref.encode(), style="primary"))
    if can_track and result.understanding.text and not shared_by:
        buttons.append(button("Track in this channel", TRACK_ACTION, ref.encode()))
    if result.understanding.matches and not shared_by:
        buttons.append(button("Compose post", COMPOSE_ACTION, ref.encode()))
    if shared_by:
        buttons.append(button("Remove", REMOVE_ACTION, shared_by))
    if buttons:
        end.append({"type": "actions", "block_id": "hashtag_answer", "elements": buttons})
    end.append(context(freshness(result)))
    room = MAX_BLOCKS - len(top) - len(end)
    explains = None if shared_by else ref
    ranked = [suggestion_block(n, s, explains) for n, s in enumerate(shown[:room], 1)]
    fallback = escape(title(result)) + (f": {copy_line(result)}" if result.suggestions else "")
    if shared_by:
        fallback = f"Shared by <@{shared_by}>: {fallback}"
    return message(fallback, top + ranked + end)

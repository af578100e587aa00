"""Block Kit for approved outreach: the message modal, drafts, a campaign tag's check, Home lines."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from bot.domain.approvals import MAX_IRB_REF, MAX_STUDY, MAX_TEXT, ApprovedMessage, irb_label
from bot.domain.campaign_tags import TagReport
from bot.domain.drafts import NETWORKS, Composition, Draft, last_day_in
from bot.domain.wording import WordingWarning
from bot.slack.blocks import (
    COMPOSE_ACTION,
    MAX_BLOCKS,
    Block,
    Message,
    context,
    escape,
    header,
    message,
    plain,
    section,
)

MESSAGE_MODAL = "outreach_message"
__all__ = ["COMPOSE_ACTION", "MESSAGE_MODAL", "composition_messages", "message_modal"]

FIELDS = ("study", "irb", "approved", "expires", "conditions", "text", "url", "hashtags")
MAX_LISTED = 15  # messages listed in the modal and on Home
NETWORK_NAMES = {n.key: n.name for n in NETWORKS}


_USER = re.compile(r"<@[UW][A-Z0-9]{2,20}>")


def who(saved_by: str) -> str:
    """Who saved a version: a Slack user as a mention Slack shows by name, anyone else (the
    command line's `--by`) as typed."""
    return saved_by if _USER.fullmatch(saved_by) else escape(saved_by)


def _input(block_id: str, label: str, element: dict[str, Any], hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": {"action_id": "value", **element},
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _text(
    initial: str, *, max_length: int, multiline: bool = False, placeholder: str = ""
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = initial
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return element


def _date(initial: date | None) -> dict[str, Any]:
    return {"type": "datepicker"} | ({"initial_date": initial.isoformat()} if initial else {})


def _choice(value: str, text: str) -> dict[str, Any]:
    return {"text": plain(text, 75), "value": value}


def library_lines(messages: list[ApprovedMessage], today: date) -> list[str]:
    """One line per message: id, study, IRB reference, conditions, until when."""
    lines = []
    for m in messages[:MAX_LISTED]:
        a = m.approval
        state = {"active": "until", "expired": "expired", "pending": "from"}[a.status(today)]
        when = a.approved_on if a.status(today) == "pending" else a.expires_on
        lines.append(
            f"*{m.id}.* {escape(a.study)} · {escape(irb_label(a.irb_ref))} · "
            f"{escape(', '.join(a.conditions))} · {state} {when.isoformat()}"
        )
    if len(messages) > MAX_LISTED:
        lines.append(f"…and {len(messages) - MAX_LISTED} more (`hashtag-bot messages list`).")
    return lines


def message_modal(
    editing: ApprovedMessage | None,
    library: list[ApprovedMessage],
    today: date,
    channel: str = "",
    *,
    zone: str = "UTC",
) -> dict[str, Any]:
    """The modal to add a message, or to make a new version of one (`/hashtag messages ID`).
    `today` is the team's day in `zone` (HASHTAG_BOT_TIMEZONE), which the dates are read by."""
    a = editing.approval if editing else None
    blocks: list[Block] = [
        context(
            f"Dates are days on the team's calendar, {escape(zone)} (today is "
            f"{today.isoformat()} there). An approval is in use from its approval day through "
            "its expiry day."
        )
    ]
    if editing is not None:
        blocks.append(
            context(
                f"Editing message {editing.id}, version {editing.version} (saved by "
                f"{who(editing.changed_by)} on {editing.changed_at[:10]}). Saving makes version "
                f"{editing.version + 1}; every earlier version is kept."
            )
        )
    elif library:
        lines = library_lines(library, today)
        blocks.append(
            section("*The library* (edit one with `/hashtag messages ID`)\n" + "\n".join(lines))
        )
    blocks += [
        _input("study", "Study", _text(a.study if a else "", max_length=MAX_STUDY)),
        _input("irb", "IRB reference", _text(a.irb_ref if a else "", max_length=MAX_IRB_REF)),
        _input("approved", "Approved on", _date(a.approved_on if a else None)),
        _input(
            "expires",
            "Approval expires on",
            _date(a.expires_on if a else None),
            f"The last approved day: drafts are made through this day ({zone}), never after.",
        ),
        _input(
            "conditions",
            "Condition(s)",
            _text(
                "; ".join(a.conditions) if a else "",
                max_length=300,
                placeholder="lung cancer; NSCLC",
            ),
            "One or more, separated by semicolons.",
        ),
        _input(
            "text",
            "Approved text",
            _text(a.text if a else "", max_length=MAX_TEXT, multiline=True),
            "Word for word as approved. It is never changed: the link and any hashtags go after it.",
        ),
        _input(
            "url", "Study link", _text(a.url if a else "", max_length=500, placeholder="https://")
        ),
    ]
    options = [
        _choice("allowed", "The approval allows adding hashtags"),
        _choice("none", "No hashtags may be added"),
    ]
    radio: dict[str, Any] = {"type": "radio_buttons", "options": options}
    if a is not None:
        radio["initial_option"] = options[0 if a.hashtags_allowed else 1]
    blocks.append(_input("hashtags", "Hashtags", radio))
    meta = {
        "id": editing.id if editing else None,
        "v": editing.version if editing else None,
        "c": channel,
    }
    return {
        "type": "modal",
        "callback_id": MESSAGE_MODAL,
        "title": plain("Approved message", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps(meta),
        "blocks": blocks[:100],
    }


def submitted(values: dict[str, Any]) -> dict[str, str]:
    """What the person entered, field by field, from a view_submission's state."""
    read: dict[str, str] = {}
    for field in FIELDS:
        element = (values.get(field) or {}).get("value") or {}
        chosen = element.get("selected_option") or {}
        read[field] = str(
            element.get("value") or element.get("selected_date") or chosen.get("value") or ""
        )
    return read


def warning_lines(warnings: list[WordingWarning] | tuple[str, ...]) -> list[str]:
    return [f":warning: {escape(str(w))}" for w in warnings]


def saved_view(
    message_saved: ApprovedMessage, saved: bool, warnings: list[WordingWarning]
) -> dict[str, Any]:
    """What the modal turns into after Save: the version made, and the wording check's findings."""
    a = message_saved.approval
    if saved:
        head = (
            f"Saved message {message_saved.id}, version {message_saved.version}: {escape(a.study)}."
        )
    else:
        head = (
            f"Nothing changed: message {message_saved.id} stays at version {message_saved.version}."
        )
    blocks: list[Block] = [section(head)]
    if warnings:
        blocks.append(
            section(
                "*Wording check* (FDA, Recruiting Study Subjects). The text is kept as approved; "
                "raise these with your IRB:\n" + "\n".join(warning_lines(warnings))
            )
        )
    else:
        blocks.append(context("Wording check: nothing to raise."))
    blocks.append(context(f"Drafts: `/hashtag compose {escape(a.conditions[0])}`"))
    return {
        "type": "modal",
        "title": plain("Approved message", 24),
        "close": plain("Done", 24),
        "blocks": blocks,
    }


CODE_ROOM = MAX_TEXT - 200  # a draft's text per section, escaped, leaving room for its heading
MESSAGE_CHARS = 12_000  # text per message: well inside what Slack shows whole
MAX_MESSAGE_CHARS = 36_000  # and never past Slack's 40,000 for one message
MAX_REPLIES = 5  # a response_url takes five messages


def code_chunks(text: str, room: int = CODE_ROOM) -> list[str]:
    """A draft's text in pieces whose escaped form fits a section, cut between words where it
    can and never inside an escape (the raw text is cut, then each piece escaped)."""
    chunks: list[str] = []
    while text:
        size, end = 0, 0
        while end < len(text) and size + len(escape(text[end])) <= room:
            size += len(escape(text[end]))
            end += 1
        if end < len(text):
            space = text.rfind(" ", 0, end)
            end = space + 1 if space > end // 2 else end
        chunks.append(text[:end])
        text = text[end:]
    return chunks


def packed(lines: list[str]) -> list[Block]:
    """Lines of mrkdwn in as few sections as hold them whole."""
    sections: list[str] = []
    for line in lines:
        if sections and len(sections[-1]) + 1 + len(line) <= MAX_TEXT:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    return [section(text) for text in sections]


def draft_blocks(drafts: list[Draft], shared: list[str]) -> list[Block]:
    """Drafts with the same text (those too long for their network are the approved text and
    link alone): each network's count, the text once and whole (in several pieces if long), and
    each network's own warnings."""
    counts = []
    for draft in drafts:
        state = "" if draft.fits else "  :no_entry: too long, not cut"
        counts.append(f"*{NETWORK_NAMES[draft.platform]}*  {draft.length}/{draft.limit}{state}")
    pieces = code_chunks(drafts[0].text)
    head = " · ".join(counts)
    if len(pieces) > 1:
        head += f"  (in {len(pieces)} parts: copy them one after another)"
    lines = [f"{head}\n```{escape(pieces[0])}```"]
    lines += [f"```{escape(piece)}```" for piece in pieces[1:]]
    lines += warning_lines(tuple(w for d in drafts for w in d.warnings if w not in shared))
    return packed(lines)


def _pages(groups: list[list[Block]], name: str, room: int) -> list[list[Block]]:
    """The blocks in messages of at most 50 blocks and about `room` characters, a group (one
    approved message's drafts) started on a new page only when it doesn't fit."""
    pages: list[list[Block]] = [[header(f"Drafts for {name}")]]
    used = 0
    for group in groups:
        for block in group:
            size = len(json.dumps(block, ensure_ascii=False))
            if len(pages[-1]) == MAX_BLOCKS or (used + size > room and len(pages[-1]) > 1):
                pages.append([header(f"Drafts for {name}, continued")])
                used = 0
            pages[-1].append(block)
            used += size
    return pages


def composition_messages(composition: Composition) -> list[Message]:
    """Each unexpired message's drafts, network by network, ready to copy; and why any are not.
    Long drafts are split over sections, and the drafts over messages (at most the five a
    response_url takes), never cut."""
    name = composition.condition["name"] if composition.condition else composition.topic
    by_message: dict[int, list[Draft]] = {}
    for draft in composition.drafts:
        by_message.setdefault(draft.message_id, []).append(draft)
    groups: list[list[Block]] = []
    for message_id, drafts in by_message.items():
        shared = [w for w in drafts[0].warnings if all(w in d.warnings for d in drafts)]
        head = f"*{escape(drafts[0].study)}* · message {message_id}"
        group: list[Block] = [{"type": "divider"}, *packed([head, *warning_lines(tuple(shared))])]
        same_text: dict[str, list[Draft]] = {}
        for draft in drafts:
            same_text.setdefault(draft.text, []).append(draft)
        for alike in same_text.values():
            group += draft_blocks(alike, shared)
        groups.append(group)
    if composition.notes:
        groups.append([context(*(f"_{escape(note)}_" for note in composition.notes))])
    room = MESSAGE_CHARS
    pages = _pages(groups, name, room)
    while len(pages) > MAX_REPLIES and room < MAX_MESSAGE_CHARS:
        room = min(MAX_MESSAGE_CHARS, room * 3 // 2)
        pages = _pages(groups, name, room)
    count = len(by_message)
    said = (
        f"{count} approved message{'s' * (count != 1)}"
        if count
        else "no drafts today (the notes say why)"
    )
    fallback = f"Drafts for {escape(name)}: {said}"
    return [
        message(fallback if n == 0 else f"{fallback} (part {n + 1} of {len(pages)})", blocks)
        for n, blocks in enumerate(pages)
    ]


def tag_report_message(report: TagReport) -> Message:
    """`/hashtag available #Tag`: the verdict first, then the evidence."""
    tag = escape(report.tag)
    blocks: list[Block] = [
        header(f"Is #{report.tag} available?"),
        section(f"*#{tag}: {escape(report.verdict)}*"),
    ]
    stored = report.stored
    if stored["posts"]:
        who = ", ".join(f"@{escape(a['handle'])} ({a['source']})" for a in stored["accounts"])
        also = ", ".join(f"#{escape(t)}" for t in stored["with_tags"])
        text = (
            f"*Stored posts:* {stored['posts']:,} by {stored['authors']:,} accounts, "
            f"{stored['first_day']} to {stored['last_day']}. Most by {who}."
        )
        blocks.append(section(text + (f" Used with {also}." if also else "")))
    else:
        blocks.append(section("*Stored posts:* none use it."))
    for look in report.live:
        network = NETWORK_NAMES.get(look["network"], look["network"])
        if look.get("error"):
            blocks.append(context(f"{network}: couldn't look ({escape(look['error'])})."))
        elif look["posts"]:
            who = (
                ", ".join(f"@{escape(h)}" for h in look["accounts"])
                or "accounts that ask not to be named"
            )
            also = ", ".join(f"#{escape(t)}" for t in look["with_tags"])
            blocks.append(
                section(
                    f"*{network} now:* {look['posts']} recent posts, by {who}."
                    + (f" Used with {also}." if also else "")
                )
            )
        else:
            blocks.append(section(f"*{network} now:* no recent posts."))
    if report.collisions:
        blocks.append(
            section(
                "*Collides with:*\n" + "\n".join(f"• {escape(str(c))}" for c in report.collisions)
            )
        )
    blocks.append(
        section("*How it reads:*\n" + "\n".join(f"• {escape(n)}" for n in report.readability))
    )
    return message(f"#{tag}: {escape(report.verdict)}", blocks)


def expiring_lines(expiring: list[ApprovedMessage], today: date) -> list[Block]:
    """The Home tab's list of approvals that end within 30 days."""
    if not expiring:
        return []
    lines = [
        f"• *{escape(m.approval.study)}* (message {m.id}, {escape(irb_label(m.approval.irb_ref))}): last day "
        f"{m.approval.expires_on.isoformat()}, {last_day_in(m.approval.days_left(today))}"
        for m in expiring[:MAX_LISTED]
    ]
    return [
        {"type": "divider"},
        header("Approvals expiring within 30 days"),
        section("\n".join(lines)),
        context("Renew them with the IRB, then `/hashtag messages ID` records the new dates."),
    ]

"""What a person would see in a message, and whether Slack would accept it."""

from __future__ import annotations

from slack_sdk.models.blocks import Block

from bot.slack.blocks import MAX_BLOCKS, MAX_BUTTON_TEXT, MAX_HEADER, MAX_TEXT


def assert_valid_message(message: dict) -> None:
    """Slack would accept it: fallback text, block count, and each block per slack_sdk's models."""
    assert message["text"].strip()
    assert len(message["text"]) <= MAX_TEXT
    blocks = message.get("blocks") or []
    assert 0 < len(blocks) <= MAX_BLOCKS
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()
        if raw["type"] == "header":
            assert len(raw["text"]["text"]) <= MAX_HEADER
        if raw["type"] == "section":
            assert len(raw["text"]["text"]) <= MAX_TEXT
        for element in [*raw.get("elements", []), *filter(None, [raw.get("accessory")])]:
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= MAX_BUTTON_TEXT
                assert len(element["value"]) <= 2000


def block_text(message: dict) -> str:
    """Everything a person reads in the message's blocks."""
    parts: list[str] = []
    for block in message.get("blocks", []):
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            parts.append(text["text"] if isinstance(text, dict) else str(text or ""))
    return "\n".join(parts)


def buttons(message: dict) -> dict[str, dict]:
    """Every button by its action id (the first of each: a line's Explain is the top tag's)."""
    found: dict[str, dict] = {}
    for block in message.get("blocks", []):
        for element in [*block.get("elements", []), *filter(None, [block.get("accessory")])]:
            if element.get("type") == "button":
                found.setdefault(element["action_id"], element)
    return found

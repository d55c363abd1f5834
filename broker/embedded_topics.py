"""MQTT 3.1.1 topic names, topic filters and how they match (spec section 4.7), for the embedded broker.

A topic name is what a message is published to; a filter is what a client subscribes to and may hold
wildcards: `+` stands for exactly one level, `#` (only as the whole last level) for any number of levels,
including none. Topics starting with `$` are the broker's own: a filter starting with a wildcard does not
match them, so `#` never delivers `$SYS/...` by accident.
"""

from __future__ import annotations


def topic_name_error(topic: str) -> str | None:
    """Why `topic` cannot be published to, or None when it can."""
    if not topic:
        return "empty topic name"
    if "+" in topic or "#" in topic:
        return f"wildcard in topic name {topic!r}"
    return None


def topic_filter_error(topic_filter: str) -> str | None:
    """Why `topic_filter` cannot be subscribed to, or None when it can."""
    if not topic_filter:
        return "empty topic filter"
    levels = topic_filter.split("/")
    for index, level in enumerate(levels):
        if "#" in level and (level != "#" or index != len(levels) - 1):
            return f"'#' must be the whole last level in {topic_filter!r}"
        if "+" in level and level != "+":
            return f"'+' must be a whole level in {topic_filter!r}"
    return None


def split_filter(topic_filter: str) -> tuple[str, ...]:
    """The levels of a filter, split once when subscribing so that each publish only splits its topic."""
    return tuple(topic_filter.split("/"))


def matches(filter_levels: tuple[str, ...], topic_levels: list[str]) -> bool:
    """Whether a (valid, split) filter matches a (valid, split) topic name."""
    if topic_levels[0].startswith("$") and filter_levels[0] in ("+", "#"):
        return False
    for index, level in enumerate(filter_levels):
        if level == "#":
            return True
        if index >= len(topic_levels) or (level != "+" and level != topic_levels[index]):
            return False
    return len(filter_levels) == len(topic_levels)


def topic_matches(topic_filter: str, topic: str) -> bool:
    """Convenience form of `matches` for two strings."""
    return matches(split_filter(topic_filter), topic.split("/"))

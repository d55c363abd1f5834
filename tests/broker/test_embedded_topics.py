"""Wildcard matching of the embedded broker: the spec's examples, as a table, end to end with paho."""

from __future__ import annotations

import pytest

from broker.embedded import EmbeddedBroker
from broker.embedded_topics import topic_filter_error, topic_matches, topic_name_error
from tests.broker.embedded_paho import clients

pytestmark = pytest.mark.timeout(60)

TOPICS = [
    "sport",
    "sport/",
    "sport/tennis",
    "sport/tennis/player1",
    "sport/tennis/player1/ranking",
    "/finance",
    "finance",
    "$SYS/uptime",
    "$SYS/broker/load",
    "innovatum/v1/state/tenant/acme",
]

#: filter → the topics above it matches (MQTT 3.1.1 section 4.7 and its examples).
TABLE: dict[str, set[str]] = {
    "sport/tennis/player1/#": {"sport/tennis/player1", "sport/tennis/player1/ranking"},
    "sport/#": {"sport", "sport/", "sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking"},
    "sport/tennis/+": {"sport/tennis/player1"},
    "sport/+": {"sport/", "sport/tennis"},
    "+": {"sport", "finance"},
    "+/+": {"sport/", "sport/tennis", "/finance"},
    "/+": {"/finance"},
    "+/tennis/#": {"sport/tennis", "sport/tennis/player1", "sport/tennis/player1/ranking"},
    "#": set(TOPICS) - {"$SYS/uptime", "$SYS/broker/load"},
    "$SYS/#": {"$SYS/uptime", "$SYS/broker/load"},
    "+/uptime": set(),
    "$SYS/+": {"$SYS/uptime"},
    "innovatum/v1/state/+/+": {"innovatum/v1/state/tenant/acme"},
    "sport/tennis": {"sport/tennis"},
    "Sport/Tennis": set(),
}


@pytest.mark.parametrize("topic_filter", TABLE)
def test_matching_table(topic_filter: str) -> None:
    assert {topic for topic in TOPICS if topic_matches(topic_filter, topic)} == TABLE[topic_filter]


@pytest.mark.parametrize("bad", ["", "sport/tennis#", "sport/#/ranking", "sport+", "sp+rt/x", "#/x", "a/b#"])
def test_invalid_filters_are_named(bad: str) -> None:
    assert topic_filter_error(bad)


@pytest.mark.parametrize("bad", ["", "a/+", "a/#", "+"])
def test_invalid_topic_names_are_named(bad: str) -> None:
    assert topic_name_error(bad)


def test_the_broker_delivers_by_the_table() -> None:
    filters = list(TABLE)
    with EmbeddedBroker() as broker:
        ids = [f"table-{i}" for i in range(len(filters))]
        with clients(broker.port, "table-pub", *ids) as (pub, *subs):
            for sub, topic_filter in zip(subs, filters, strict=True):
                assert sub.subscribe(topic_filter) == [1]
                sub.subscribe("table-end")
            for topic in TOPICS:
                pub.publish(topic, topic.encode(), qos=1)
            pub.publish("table-end", b"", qos=1)
            for sub, topic_filter in zip(subs, filters, strict=True):
                got = [m.topic for m in sub.take_until("table-end")][:-1]
                assert got == [t for t in TOPICS if t in TABLE[topic_filter]], topic_filter

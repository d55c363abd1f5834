"""The embedded broker with real paho-mqtt 2.x clients: what the product's clients rely on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from broker.embedded import EmbeddedBroker
from tests.broker.embedded_paho import Paho, clients

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker() as running:
        yield running


def test_start_reports_the_port_it_listens_on_and_refuses_anonymous_off_loopback() -> None:
    with EmbeddedBroker() as running:
        assert running.port > 0
        assert running.url == f"mqtt://127.0.0.1:{running.port}"
        with clients(running.port, "probe"):
            pass
    with pytest.raises(ValueError, match="anonymous"):
        EmbeddedBroker(host="0.0.0.0")


def test_qos0_and_qos1_reach_subscribers_with_the_granted_qos(broker: EmbeddedBroker) -> None:
    with clients(broker.port, "pub-a", "sub-a0", "sub-a1") as (pub, sub0, sub1):
        assert sub0.subscribe("a/x", 0) == [0]
        assert sub1.subscribe("a/x", 1) == [1]
        pub.publish("a/x", b"zero", qos=0)
        pub.publish("a/x", b"one", qos=1)
        got0, got1 = sub0.take(2), sub1.take(2)
    assert [(m.payload, m.qos) for m in got0] == [(b"zero", 0), (b"one", 0)]
    assert [(m.payload, m.qos) for m in got1] == [(b"zero", 0), (b"one", 1)]
    assert not any(m.retain for m in got0 + got1)


def test_qos2_publish_completes_and_is_delivered_once_at_qos1(broker: EmbeddedBroker) -> None:
    with clients(broker.port, "pub-q2", "sub-q2") as (pub, sub):
        assert sub.subscribe("q2/#", 2) == [1]  # the broker grants at most QoS 1
        pub.publish("q2/t", b"exactly", qos=2)  # waits for PUBREC/PUBREL/PUBCOMP
        pub.publish("q2/end", b"", qos=1)
        got = sub.take_until("q2/end")
    assert [(m.topic, m.payload, m.qos) for m in got] == [("q2/t", b"exactly", 1), ("q2/end", b"", 1)]


def test_session_is_never_reported_present(broker: EmbeddedBroker) -> None:
    client = Paho("persistent", clean_session=False)
    assert client.connect(broker.port) == 0
    assert client.session_present is False
    client.close()


def test_unsubscribe_stops_delivery(broker: EmbeddedBroker) -> None:
    with clients(broker.port, "pub-u", "sub-u") as (pub, sub):
        sub.subscribe("u/#")
        sub.subscribe("u-end")
        pub.publish("u/1", b"before", qos=1)
        sub.unsubscribe("u/#")
        pub.publish("u/2", b"after", qos=1)
        pub.publish("u-end", b"", qos=1)
        got = sub.take_until("u-end")
    assert [m.payload for m in got] == [b"before", b""]


def test_overlapping_subscriptions_deliver_one_copy_at_the_highest_qos(broker: EmbeddedBroker) -> None:
    with clients(broker.port, "pub-o", "sub-o") as (pub, sub):
        sub.subscribe("o/+", 0)
        sub.subscribe("o/#", 1)
        pub.publish("o/x", b"once", qos=1)
        pub.publish("o/end", b"", qos=0)
        got = sub.take_until("o/end")
    assert [(m.topic, m.qos) for m in got] == [("o/x", 1), ("o/end", 0)]


def test_retained_message_is_delivered_on_subscribe_and_an_empty_one_clears_it(
    broker: EmbeddedBroker,
) -> None:
    with clients(broker.port, "pub-r", "live-r") as (pub, live):
        live.subscribe("r/#")
        pub.publish("r/a", b"first", qos=1, retain=True)
        pub.publish("r/a", b"second", qos=1, retain=True)
        pub.publish("r/b", b"bee", qos=0, retain=True)
        # A subscriber that is already there gets them as ordinary messages (retain flag clear).
        assert [(m.payload, m.retain) for m in live.take(3)] == [
            (b"first", False),
            (b"second", False),
            (b"bee", False),
        ]
        with clients(broker.port, "late-r") as (late,):
            late.subscribe("r/#")
            got = sorted(late.take(2), key=lambda m: m.topic)
            assert [(m.topic, m.payload, m.retain, m.qos) for m in got] == [
                ("r/a", b"second", True, 1),
                ("r/b", b"bee", True, 0),
            ]
            assert late.take(1, timeout=0.2) == []  # the overwritten "first" is gone
        pub.publish("r/a", b"", qos=1, retain=True)
        assert [(m.payload, m.retain) for m in live.take(1)] == [(b"", False)]
        with clients(broker.port, "later-r") as (later,):
            later.subscribe("r/#")
            assert [(m.topic, m.payload) for m in later.take(2, timeout=0.5)] == [("r/b", b"bee")]
        pub.publish("r/b", b"", qos=0, retain=True)


def test_will_is_published_when_a_client_vanishes(broker: EmbeddedBroker) -> None:
    with clients(broker.port, "watcher-w") as (watcher,):
        watcher.subscribe("w/status/+")
        dying = Paho("kiosk-w", will=("w/status/kiosk-w", b'{"online":false}', 1, True))
        assert dying.connect(broker.port) == 0
        dying.publish("w/status/kiosk-w", b'{"online":true}', qos=1, retain=True)
        assert [m.payload for m in watcher.take(1)] == [b'{"online":true}']
        dying.kill()
        assert [(m.payload, m.qos) for m in watcher.take(1)] == [(b'{"online":false}', 1)]
    with clients(broker.port, "late-w") as (late,):  # the will was retained
        late.subscribe("w/status/+")
        assert [(m.payload, m.retain) for m in late.take(1)] == [(b'{"online":false}', True)]


def test_no_will_after_a_clean_disconnect(broker: EmbeddedBroker) -> None:
    with clients(broker.port, "watcher-d") as (watcher,):
        watcher.subscribe("d/#")
        leaving = Paho("leaving-d", will=("d/will", b"gone", 0, False))
        assert leaving.connect(broker.port) == 0
        leaving.close()
        assert leaving.disconnected.wait(5)
        with clients(broker.port, "pub-d") as (pub,):
            pub.publish("d/end", b"", qos=1)
        assert [m.topic for m in watcher.take_until("d/end")] == ["d/end"]


def test_a_second_connection_with_the_same_id_takes_over(broker: EmbeddedBroker) -> None:
    with clients(broker.port, "watcher-t") as (watcher,):
        watcher.subscribe("t/#")
        first = Paho("same-id", will=("t/will", b"first gone", 0, False))
        assert first.connect(broker.port) == 0
        second = Paho("same-id")
        try:
            assert second.connect(broker.port) == 0
            assert first.disconnected.wait(5), "the older connection was not closed"
            first.client.loop_stop()  # paho would reconnect and take over in turn
            assert [m.payload for m in watcher.take(1)] == [b"first gone"]
            second.subscribe("t/after")
            watcher.publish("t/after", b"to the new one", qos=1)
            assert [m.payload for m in second.take(1)] == [b"to the new one"]
        finally:
            second.close()
    assert broker.stats()["takeovers"] >= 1


def test_credentials_are_checked_when_users_are_given() -> None:
    with EmbeddedBroker(users={"kiosk-1": "s3cret"}) as running:
        refused = {
            "anon": Paho("anon"),
            "wrong": Paho("wrong", username="kiosk-1", password="guess"),
            "nouser": Paho("nouser", username="nobody", password="s3cret"),
        }
        codes = {name: str(client.connect(running.port)) for name, client in refused.items()}
        for client in refused.values():
            client.close()
        assert codes == {
            "anon": "Not authorized",
            "wrong": "Bad user name or password",
            "nouser": "Bad user name or password",
        }
        good = Paho("good", username="kiosk-1", password="s3cret")
        assert good.connect(running.port) == 0
        good.subscribe("c/x")
        good.publish("c/x", b"hello", qos=1)
        assert [m.payload for m in good.take(1)] == [b"hello"]
        good.close()
        assert running.stats()["refused"] == 3


def test_fifty_subscribers_each_receive_a_burst_in_order(broker: EmbeddedBroker) -> None:
    # One burst per QoS: MQTT orders messages per publisher and QoS (paho holds back QoS 1 messages
    # beyond its in-flight window while QoS 0 ones overtake them), so mixing them proves nothing.
    ids = [f"many-{i}" for i in range(50)]
    with clients(broker.port, "burst-pub", *ids) as (pub, *subs):
        for sub in subs:
            sub.subscribe("burst/#")
        for qos in (1, 0):
            for number in range(200):
                pub.client.publish(f"burst/{number % 7}", f"{qos}:{number}".encode(), qos=qos)
            # The end's acknowledgement queues behind 200 x 50 deliveries: on a slow or busy machine
            # that takes longer than a single publish's usual wait.
            pub.publish("burst/end", b"end", qos=qos, timeout=30)
            expected = [f"{qos}:{n}".encode() for n in range(200)] + [b"end"]
            for sub in subs:
                got = sub.take_until("burst/end", timeout=20)
                assert [m.payload for m in got] == expected

"""Watch (change notifications) and the C client's caches against a real server: events of
another client's changes, filtering, stopping, resuming, and caches that follow changes.

Nothing here asserts a timing: waiting for an event is polling with a bounded number of tries."""
from __future__ import annotations

import time

import pytest

import srclient
from sr_support import unique

TRIES = 100  # bounded waits: TRIES x next(200 ms), or TRIES x 50 ms sleeps


def schema(n: int) -> dict:
    return {"type": "record", "name": "W", "namespace": "py.watch",
            "fields": [{"name": f"f{i}", "type": "string", "default": ""} for i in range(n)]}


@pytest.fixture
def writer(server):
    with srclient.Client("127.0.0.1", server.srp_port, timeout=20) as made:
        yield made


def collect(watch, until, tries=TRIES):
    """Events of `watch` until `until(events)` holds (bounded)."""
    events = []
    for _ in range(tries):
        batch = watch.next(200)
        if batch:
            events.extend(batch)
        if until(events):
            return events
    pytest.fail(f"the expected events never came; got {events}")


def registered(events, subject):
    return [e for e in events if e.type == srclient.watch.VERSION_REGISTERED and e.subject == subject]


def test_watch_sees_another_clients_registration(client, writer, subject):
    assert client.watch_available
    with client.watch(subjects=[subject]) as watch:
        assert isinstance(watch, srclient.Watch)
        assert watch.log_id and not watch.resync and watch.is_open
        start = watch.position
        first = writer.register(subject, schema(1))
        events = collect(watch, lambda got: registered(got, subject))
        event = registered(events, subject)[0]
        assert isinstance(event, srclient.WatchEvent)
        assert (event.type, event.subject, event.versions, event.id) == ("VERSION_REGISTERED", subject, (1,), first.id)
        assert event.position > start and not event.permanent
        assert watch.position >= event.position

        second = writer.register(subject, schema(2))
        events = collect(watch, lambda got: registered(got, subject))
        later = registered(events, subject)[0]
        assert (later.versions, later.id) == ((2,), second.id)
        assert later.position > event.position


def test_watch_reports_config_mode_and_deletes(client, writer, subject):
    writer.register(subject, schema(1))
    with client.watch(subjects=[subject]) as watch:
        writer.set_config("NONE", subject)
        writer.set_mode("READONLY", subject)
        writer.set_mode("READWRITE", subject)
        writer.delete_subject(subject)
        types = ("CONFIG_CHANGED", "MODE_CHANGED", "SUBJECT_DELETED")
        events = collect(watch, lambda got: {e.type for e in got} >= set(types) and
                         sum(e.type == "MODE_CHANGED" for e in got) >= 2)
        assert all(e.subject == subject for e in events)
        config = [e for e in events if e.type == "CONFIG_CHANGED"][0]
        assert config.compatibility == "NONE"
        assert [e.mode for e in events if e.type == "MODE_CHANGED"] == ["READONLY", "READWRITE"]
        deleted = [e for e in events if e.type == "SUBJECT_DELETED"][0]
        assert deleted.versions == (1,) and not deleted.permanent
        positions = [e.position for e in events]
        assert positions == sorted(positions) and len(set(positions)) == len(positions)


def test_prefix_filter(client, writer):
    prefix = unique("py-watch-prefix") + "-"
    inside, outside = prefix + "a-value", unique("py-watch-outside")
    with client.watch(prefixes=[prefix]) as watch:
        writer.register(outside, schema(1))
        writer.register(inside, schema(1))
        events = collect(watch, lambda got: registered(got, inside))
        assert {e.subject for e in events} == {inside}
        writer.register(outside, schema(2))  # still filtered out
        writer.register(prefix + "b-value", schema(1))
        events = collect(watch, lambda got: registered(got, prefix + "b-value"))
        assert {e.subject for e in events} == {prefix + "b-value"}


def test_stop_ends_the_watch(client, writer, subject):
    watch = client.watch(subjects=[subject])
    writer.register(subject, schema(1))
    collect(watch, lambda got: registered(got, subject))
    watch.stop()
    assert not watch.is_open
    with pytest.raises(srclient.WatchEnded):
        for _ in range(TRIES):  # batches that came before the Unwatch may still be taken
            watch.next(200)
    assert list(watch) == []  # iteration ends too
    watch.stop()  # idempotent
    writer.register(subject, schema(2))
    assert client.get_latest(subject).version == 2  # the client goes on
    watch.close()
    with pytest.raises(ValueError):
        watch.next(10)


def test_iteration_until_stopped(client, writer, subject):
    with client.watch(subjects=[subject]) as watch:
        writer.register(subject, schema(1))
        writer.register(subject, schema(2))
        seen = []
        for event in watch:
            seen.append(event)
            if len(registered(seen, subject)) == 2:
                watch.stop()
        assert [e.versions for e in registered(seen, subject)] == [(1,), (2,)]
    assert not watch.is_open


def test_resume_replays_what_happened_meanwhile(client, writer, subject):
    with client.watch(subjects=[subject]) as watch:
        writer.register(subject, schema(1))
        collect(watch, lambda got: registered(got, subject))
        position, log_id = watch.position, watch.log_id
    second, third = writer.register(subject, schema(2)), writer.register(subject, schema(3))
    with pytest.raises(ValueError):
        client.watch(subjects=[subject], after_position=position)
    with client.watch(subjects=[subject], after_position=position, log_id=log_id) as resumed:
        assert not resumed.resync and resumed.log_id == log_id
        events = collect(resumed, lambda got: len(registered(got, subject)) >= 2)
        assert [(e.versions, e.id) for e in registered(events, subject)] == [((2,), second.id), ((3,), third.id)]
        assert all(e.position > position for e in events)


def test_resume_from_another_log_says_resync(client, subject):
    with client.watch(subjects=[subject], after_position=1, log_id="not-this-log") as watch:
        assert watch.resync


def test_watch_of_a_closed_client(server, subject):
    made = srclient.Client("127.0.0.1", server.srp_port, timeout=20)
    watch = made.watch(subjects=[subject])
    made.close()
    with pytest.raises(ValueError):
        watch.next(10)
    watch.close()
    with pytest.raises(ValueError):
        made.watch()


def wait_for(check):
    for _ in range(TRIES):
        if check():
            return True
        time.sleep(0.05)
    return False


def latest_is_a_hit(cached, subject, version):
    """get_latest answers `version` from memory (the hit counter moves, the miss counter not)."""
    hits, misses = cached.stat("mutable_cache_hits"), cached.stat("mutable_cache_misses")
    answer = cached.get_latest(subject).version
    return answer == version and (cached.stat("mutable_cache_hits"), cached.stat("mutable_cache_misses")) == (
        hits + 1, misses)


def test_mutable_cache_follows_another_client(server, writer, subject):
    writer.register(subject, schema(1))
    with srclient.Client("127.0.0.1", server.srp_port, timeout=20, mutable_cache_entries=100) as cached:
        assert cached.get_latest(subject).version == 1
        stats = cached.cache_stats()
        assert stats["mutable_cache_misses"] >= 1 and stats["mutable_cache_live"] == 1
        # A late event (a change committed before the cache's watch began) may drop the entry
        # once; after that the same lookup is answered from memory.
        assert wait_for(lambda: latest_is_a_hit(cached, subject, 1))
        hits, frames = cached.stat("mutable_cache_hits"), cached.stat("frames_sent")
        latest = cached.get_latest(subject)
        if cached.stat("mutable_cache_hits") == hits + 1:
            assert cached.stat("frames_sent") == frames  # a hit makes no round trip
        assert (latest.subject, latest.version) == (subject, 1)

        second = writer.register(subject, schema(2))
        assert wait_for(lambda: cached.get_latest(subject).version == 2)
        assert cached.get_latest(subject).id == second.id
        assert cached.get_version(subject, 1).version == 1
        assert cached.get_version(subject, 2, include_deleted=True).id == second.id  # not cached: a call
        assert wait_for(lambda: latest_is_a_hit(cached, subject, 2))
        with pytest.raises(srclient.SubjectNotFound) as caught:
            cached.get_latest(unique("py-no-such-subject"))
        assert caught.value.code == 40401


def test_mutable_cache_config_and_mode(server, writer, subject):
    writer.register(subject, schema(1))
    with srclient.Client("127.0.0.1", server.srp_port, timeout=20, mutable_cache_entries=100) as cached:
        assert cached.get_config(subject, default_to_global=True) == writer.get_config(default_to_global=True)
        with pytest.raises(srclient.NotFound):
            cached.get_config(subject)  # no level of its own (40408); errors are not kept
        writer.set_config("FULL", subject)
        assert wait_for(lambda: cached.get_config(subject, default_to_global=True) == "FULL")
        assert cached.get_config(subject) == "FULL"
        writer.set_mode("READONLY", subject)
        assert wait_for(lambda: cached.get_mode(subject, default_to_global=True) == "READONLY")
        writer.set_mode("READWRITE", subject)
        assert wait_for(lambda: cached.get_mode(subject) == "READWRITE")
        assert cached.stat("mutable_cache_misses") > 0
        assert cached.cache_stats()["mutable_cache_entries"] > 0
        cached.set_mutable_cache_entries(0)  # off: every lookup is a call, counters stay
        hits, misses = cached.stat("mutable_cache_hits"), cached.stat("mutable_cache_misses")
        assert cached.get_config(subject) == "FULL" and cached.get_latest(subject).version == 1
        assert (cached.stat("mutable_cache_hits"), cached.stat("mutable_cache_misses")) == (hits, misses)
        assert cached.cache_stats()["mutable_cache_live"] == 0


def test_schema_cache_hits(server, writer, subject):
    made = writer.register(subject, schema(1))
    with srclient.Client("127.0.0.1", server.srp_port, timeout=20, schema_cache_bytes=1 << 20) as cached:
        first = cached.get_schema(made.id)
        assert (cached.stat("schema_cache_hits"), cached.stat("schema_cache_misses")) == (0, 1)
        frames = cached.stat("frames_sent")
        again = cached.get_schema(made.id)
        assert again == first == writer.get_schema(made.id)
        assert (cached.stat("schema_cache_hits"), cached.stat("schema_cache_misses")) == (1, 1)
        assert cached.stat("frames_sent") == frames
        stats = cached.cache_stats()
        assert stats["schema_cache_entries"] == 1 and stats["schema_cache_bytes_used"] > 0
        with pytest.raises(srclient.SchemaNotFound) as caught:
            cached.get_schema(987654321)
        assert caught.value.code == 40403
        cached.set_schema_cache_bytes(0)
        assert cached.get_schema(made.id) == first
        assert cached.stat("schema_cache_hits") == 1 and cached.cache_stats()["schema_cache_entries"] == 0


def test_caches_off_by_default(client, subject):
    client.register(subject, schema(1))
    client.get_latest(subject), client.get_latest(subject)
    client.get_schema(client.get_latest(subject).id)
    stats = client.cache_stats()
    assert stats["mutable_cache_hits"] == stats["mutable_cache_misses"] == 0
    assert stats["schema_cache_hits"] == stats["schema_cache_misses"] == 0
    with pytest.raises(ValueError):
        client.stat("no-such-stat")

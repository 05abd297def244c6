#!/usr/bin/env python3
"""Kafka interoperability check between ClickSwarm's SwarmKafka module and an independent client:
Python's confluent-kafka (its own bindings over its own bundled librdkafka build).
Tests/SwarmKafkaTests/PythonKafkaInteropTests drives it against a mock cluster:

  consume BOOTSTRAP OUTFILE COUNT TOPIC...
      reads every partition of the TOPICs from its low to its high watermark (or for 30 s at
      most), writes the messages to OUTFILE, and exits 1 unless there were exactly COUNT.
  produce BOOTSTRAP OUTFILE TOPIC...
      produces a fixed set of messages over the TOPICs, waits for every delivery report, and
      writes the messages with the partition and offset the reports gave to OUTFILE; exits 1
      if any delivery failed.

OUTFILE is JSON: {"format": 1, "client": "...", "messages": [MESSAGE, ...]} where MESSAGE is
{"topic": str, "partition": int, "offset": int, "key": HEX or null, "value": HEX or null,
 "headers": [[name, HEX or null], ...], "timestamp": milliseconds or null}
and HEX is the bytes in lower-case hexadecimal ("" for empty).

Exit codes: 0 ok, 1 failure, 2 confluent_kafka missing.
"""

import json
import sys
import time

try:
    import confluent_kafka
    from confluent_kafka import Consumer, Producer, TopicPartition
except ImportError as error:
    sys.stderr.write(
        "kafka_interop.py: cannot import confluent_kafka (%s) with %s.\n"
        "Run scripts/setup.sh --tests (which pip installs it), or: %s -m pip install confluent-kafka\n"
        % (error, sys.executable, sys.executable)
    )
    sys.exit(2)

DEADLINE_SECONDS = 30


def hexed(data):
    return None if data is None else bytes(data).hex()


def client_name():
    return "confluent-kafka %s (librdkafka %s)" % (confluent_kafka.version()[0], confluent_kafka.libversion()[0])


def write(path, messages):
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"format": 1, "client": client_name(), "messages": messages}, out, indent=1, sort_keys=True)


def record(topic, partition, offset, key, value, headers, timestamp):
    return {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "key": hexed(key),
        "value": hexed(value),
        "headers": [[name, hexed(data)] for name, data in (headers or [])],
        "timestamp": timestamp,
    }


def consume(bootstrap, outfile, count, topics):
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "clickswarm-interop",
            "enable.auto.commit": False,
            "enable.partition.eof": False,
        }
    )
    metadata = consumer.list_topics(timeout=10)
    assignment = []
    ends = {}  # (topic, partition) -> high watermark: the read stops when every one is reached
    for topic in topics:
        if topic not in metadata.topics or metadata.topics[topic].error is not None:
            sys.stderr.write("kafka_interop.py: topic %s is not on the cluster at %s\n" % (topic, bootstrap))
            return 1
        for partition in sorted(metadata.topics[topic].partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            if high > low:
                ends[(topic, partition)] = high
                assignment.append(TopicPartition(topic, partition, low))
    consumer.assign(assignment)
    messages = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    while ends and time.monotonic() < deadline:
        message = consumer.poll(0.2)
        if message is None:
            continue
        if message.error() is not None:
            sys.stderr.write("kafka_interop.py: consumer error: %s\n" % message.error())
            continue
        where = (message.topic(), message.partition())
        if where not in ends or message.offset() >= ends[where]:
            continue
        kind, stamp = message.timestamp()
        messages.append(
            record(
                message.topic(),
                message.partition(),
                message.offset(),
                message.key(),
                message.value(),
                message.headers(),
                stamp if kind != confluent_kafka.TIMESTAMP_NOT_AVAILABLE else None,
            )
        )
        if message.offset() + 1 >= ends[where]:
            del ends[where]
    consumer.close()
    write(outfile, messages)
    if ends or len(messages) != count:
        sys.stderr.write(
            "kafka_interop.py: read %d messages, expected %d; partitions not read to the end: %s\n"
            % (len(messages), count, sorted(ends))
        )
        return 1
    return 0


def fixed_messages(topics):
    """40 messages: UTF-8 and binary keys, one without a key, every byte value, empty and null
    headers, explicit timestamps."""
    for index in range(40):
        key = None if index == 7 else ("py-%d-ключ" % index).encode("utf-8")
        value = bytes([index]) + bytes(range(256)) if index % 2 == 0 else ("värde %d ✓" % index).encode("utf-8")
        if index == 9:
            value = b""
        headers = [("guid", ("py-guid-%d" % index).encode()), ("null", None), ("empty", b""), ("guid", b"\x00\xff")]
        yield topics[index % len(topics)], key, value, headers, 1_700_000_000_000 + index


def produce(bootstrap, outfile, topics):
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 1})
    messages = []
    failures = []

    def on_delivery(sent):
        def report(error, message):
            if error is not None:
                failures.append(str(error))
                return
            topic, key, value, headers, stamp = sent
            messages.append(record(topic, message.partition(), message.offset(), key, value, headers, stamp))

        return report

    for sent in fixed_messages(topics):
        topic, key, value, headers, stamp = sent
        producer.produce(topic, key=key, value=value, headers=headers, timestamp=stamp, on_delivery=on_delivery(sent))
    remaining = producer.flush(DEADLINE_SECONDS)
    write(outfile, messages)
    if remaining or failures:
        sys.stderr.write(
            "kafka_interop.py: %d undelivered, failures: %s\n" % (remaining, "; ".join(failures[:3]) or "none")
        )
        return 1
    return 0


def main(argv):
    if len(argv) >= 5 and argv[1] == "consume":
        return consume(argv[2], argv[3], int(argv[4]), argv[5:])
    if len(argv) >= 4 and argv[1] == "produce":
        return produce(argv[2], argv[3], argv[4:])
    sys.stderr.write(__doc__)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Pre-built Raccoon request bodies for the peer load generators of scripts/bench-generator.sh.

Compiles Protos/ with grpc_tools.protoc (as scripts/interop/python_interop.py does) and writes
COUNT SendEventRequest bodies of EVENTS ButtonClick events each, every event with its full
Context, as ClickSwarm's simulated phones send them (about the same bytes per event):

  peer_bodies.py OUTDIR [COUNT] [EVENTS]

OUTDIR/body-N.bin are the bodies (distinct req_guids and event guids; random version-4 guids,
so the collector counts them as foreign events and keeps no bitmaps for them), OUTDIR/body.bin
is body-0.bin (what wrk replays). Exit codes: 0 ok, 2 google.protobuf or grpc_tools missing.
"""

import os
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "interop"))
import python_interop  # noqa: E402  (exits 2 when the packages are missing)


def build(outdir, count, events):
    with tempfile.TemporaryDirectory() as workdir:
        python_interop.load_protos(workdir)
        request_class = python_interop.message_class("raystack.raccoon.v1beta1.SendEventRequest")
        click_class = python_interop.message_class("clickswarm.events.v1.ButtonClick")
        os.makedirs(outdir, exist_ok=True)
        now = time.time()
        sizes = []
        for index in range(count):
            request = request_class()
            request.req_guid = "peer-%d" % index
            request.sent_time.seconds = int(now)
            for event_index in range(events):
                click = click_class()
                click.event_guid = str(uuid.uuid4())
                click.event_timestamp.seconds = int(now)
                click.event_timestamp.nanos = 1000 * event_index
                context = click.context
                context.user_id = "peer-%d" % index
                context.device.device_id = "peer-%d" % index
                context.device.os = 1
                context.device.network = 1
                context.device.battery_level = 80
                context.app.app_id = "clickswarm.simulated"
                context.app.sdk_flavor = "android"
                context.app.sdk_version = "clickswarm"
                context.session.session_id = "peer-%d-s1" % index
                context.session.started_at.seconds = int(now)
                context.session.sequence = 1
                click.screen_name = "list"
                click.button_id = "like"
                click.label = "Like"
                click.position = 3
                event = request.events.add()
                event.event_bytes = click.SerializeToString()
                event.type = "buttonclick"
                sizes.append(len(event.event_bytes))
            body = request.SerializeToString()
            with open(os.path.join(outdir, "body-%d.bin" % index), "wb") as out:
                out.write(body)
            if index == 0:
                with open(os.path.join(outdir, "body.bin"), "wb") as out:
                    out.write(body)
        print("%d bodies of %d events, %.0f B of event_bytes per event" % (count, events, sum(sizes) / len(sizes)))


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 64
    build(argv[1], int(argv[2]) if len(argv) > 2 else 100, int(argv[3]) if len(argv) > 3 else 20)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Locust's side of scripts/bench-generator.sh: each user posts pre-built 20-event protobuf
SendEventRequest bodies (scripts/bench/peer_bodies.py) to the collector's REST endpoint,
`POST /api/v1/events` with `Content-Type: application/proto`.

Environment: BODIES (folder of body-N.bin), RATE (requests per second per user; 0 for as fast
as the user can, the saturation run).
"""

import glob
import os

from locust import HttpUser, constant, constant_throughput, task

BODIES = [open(path, "rb").read() for path in sorted(glob.glob(os.path.join(os.environ["BODIES"], "body-*.bin")))]
RATE = float(os.environ.get("RATE", "5"))
HEADERS = {"Content-Type": "application/proto"}


class RaccoonUser(HttpUser):
    wait_time = constant_throughput(RATE) if RATE > 0 else constant(0)

    def on_start(self):
        self.index = id(self) % len(BODIES)

    @task
    def post_batch(self):
        self.index = (self.index + 1) % len(BODIES)
        self.client.post("/api/v1/events", data=BODIES[self.index], headers=HEADERS, name="/api/v1/events")

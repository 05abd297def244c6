#!/usr/bin/env python3
"""gRPC interoperability peer for ClickSwarm, built on Python's grpcio.

Compiles Protos/raystack/raccoon/v1beta1/raccoon.proto with grpc_tools.protoc (messages and
the EventService stubs) into a temporary directory, then either

  client HOST:PORT [--no-identity] [--ca FILE] [--header NAME=VALUE]...
      calls EventService/SendEvent once (req_guid "py-1", one event of type "click", metadata
      x-user-id: py-device unless --no-identity; over TLS with --ca, checking the server's
      certificate against FILE) and prints one JSON line: the gRPC status code name, its
      details, and the response's status, code, reason and data.

  server [--seconds N]
      serves EventService/SendEvent on 127.0.0.1 (a free port) the way Raccoon does: a call
      without x-user-id fails UNKNOWN "connection id header missing"; a req_guid starting
      "invalid-" fails INVALID_ARGUMENT, "unavailable-" fails UNAVAILABLE; any other call is
      answered STATUS_SUCCESS/CODE_OK with data {"req_guid": ...}. Prints {"port": N} first,
      then one JSON line per call with its metadata, req_guid and event count. Stops after N
      seconds (default 120) or when standard input closes.

Exit codes: 0 ok, 1 bad input or a failed call setup, 2 grpcio, grpcio-tools or protobuf missing.
"""

import importlib
import json
import os
import sys
import tempfile
import threading
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_ROOT = os.path.join(REPO_ROOT, "Protos")
PROTO_FILE = "raystack/raccoon/v1beta1/raccoon.proto"

try:
    import grpc
    from grpc_tools import protoc
except ImportError as error:
    sys.stderr.write(
        "grpc_interop.py: cannot import grpcio or grpcio-tools (%s) with %s.\n"
        "Run scripts/test.sh (which pip installs them), or: %s -m pip install grpcio grpcio-tools protobuf\n"
        % (error, sys.executable, sys.executable)
    )
    sys.exit(2)


def grpc_tools_include():
    from importlib import resources

    return str(resources.files("grpc_tools") / "_proto")


def load_protos(workdir):
    include = grpc_tools_include()
    args = [
        "protoc",
        "-I" + PROTO_ROOT,
        "-I" + include,
        "--python_out=" + workdir,
        "--grpc_python_out=" + workdir,
        os.path.join(PROTO_ROOT, PROTO_FILE),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("grpc_interop.py: protoc failed on %s" % PROTO_FILE)
    sys.path.insert(0, workdir)
    messages = importlib.import_module("raystack.raccoon.v1beta1.raccoon_pb2")
    services = importlib.import_module("raystack.raccoon.v1beta1.raccoon_pb2_grpc")
    return messages, services


def emit(value):
    sys.stdout.write(json.dumps(value, sort_keys=True) + "\n")
    sys.stdout.flush()


def run_client(messages, services, arguments):
    if not arguments:
        raise SystemExit("grpc_interop.py client: give HOST:PORT")
    target = arguments[0]
    identity = True
    ca_file = None
    metadata = []
    rest = arguments[1:]
    while rest:
        flag = rest.pop(0)
        if flag == "--no-identity":
            identity = False
        elif flag == "--ca" and rest:
            ca_file = rest.pop(0)
        elif flag == "--header" and rest:
            name, _, value = rest.pop(0).partition("=")
            metadata.append((name.lower(), value))
        else:
            raise SystemExit("grpc_interop.py client: unknown argument %r" % flag)
    if identity:
        metadata.append(("x-user-id", "py-device"))
    if ca_file:
        with open(ca_file, "rb") as handle:
            credentials = grpc.ssl_channel_credentials(root_certificates=handle.read())
        channel = grpc.secure_channel(target, credentials)
    else:
        channel = grpc.insecure_channel(target)
    stub = services.EventServiceStub(channel)
    request = messages.SendEventRequest(req_guid="py-1")
    request.sent_time.GetCurrentTime()
    request.events.add(event_bytes=b"\x0a\x02hi", type="click")
    result = {}
    try:
        response = stub.SendEvent(request, metadata=metadata, timeout=10)
        result = {
            "grpc_code": "OK",
            "details": "",
            "status": response.status,
            "code": response.code,
            "reason": response.reason,
            "data": dict(response.data),
        }
    except grpc.RpcError as error:
        result = {"grpc_code": error.code().name, "details": error.details()}
    channel.close()
    emit(result)


def run_server(messages, services, arguments):
    seconds = 120.0
    if arguments[:1] == ["--seconds"] and len(arguments) > 1:
        seconds = float(arguments[1])
    from concurrent import futures

    class EventService(services.EventServiceServicer):
        def SendEvent(self, request, context):
            metadata = {key: value for key, value in context.invocation_metadata()}
            emit({"metadata": metadata, "req_guid": request.req_guid, "events": len(request.events)})
            if "x-user-id" not in metadata:
                context.abort(grpc.StatusCode.UNKNOWN, "connection id header missing")
            if request.req_guid.startswith("invalid-"):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the batch is refused")
            if request.req_guid.startswith("unavailable-"):
                context.abort(grpc.StatusCode.UNAVAILABLE, "no healthy upstream")
            response = messages.SendEventResponse(
                status=messages.STATUS_SUCCESS, code=messages.CODE_OK, sent_time=int(time.time())
            )
            response.data["req_guid"] = request.req_guid
            return response

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    services.add_EventServiceServicer_to_server(EventService(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    emit({"port": port})
    stopped = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        stopped.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    stopped.wait(seconds)
    server.stop(0)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("client", "server"):
        sys.stderr.write(__doc__)
        return 1
    with tempfile.TemporaryDirectory(prefix="clickswarm-grpc-") as workdir:
        messages, services = load_protos(workdir)
        if sys.argv[1] == "client":
            run_client(messages, services, sys.argv[2:])
        else:
            run_server(messages, services, sys.argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main())

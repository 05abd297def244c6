#!/usr/bin/env python3
"""Wire interoperability check between ClickSwarm's Swift messages and Python's protobuf.

Compiles Protos/ with grpc_tools.protoc into a temporary directory, imports the generated
_pb2 modules, and then either

  encode OUTDIR  writes fixed messages (one .bin file each) and OUTDIR/manifest.json, which
                 gives every field's expected value; Tests/RaccoonWireTests/PythonInteropTests
                 decodes them in Swift.
  decode INDIR   reads INDIR/manifest.json (written by the Swift side), parses each .bin file
                 it names and checks every field of the message against it; exits 1 with the
                 path of the first mismatch.

Manifest format (both directions):

  {"format": 1,
   "messages": [{"file": "x.bin", "type": "raystack.raccoon.v1beta1.SendEventRequest",
                 "byte_exact": true, "fields": {...}}]}

"fields" maps proto field names to values. A scalar field that is absent must have its
default value; a message field that is absent must be unset. 64-bit integers may be JSON
numbers or decimal strings, enums are value names (or numbers), repeated fields are lists,
map fields are objects, and a bytes field is {"base64": "..."} or
{"$message": "full.Type", "fields": {...}} for bytes that hold a serialized message (such as
Event.event_bytes). With "byte_exact", re-serializing the parsed message (deterministically)
must give the file's bytes back exactly.

Exit codes: 0 ok, 1 mismatch or bad input, 2 google.protobuf or grpc_tools missing.
"""

import base64
import importlib
import json
import os
import struct
import sys
import tempfile

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_ROOT = os.path.join(REPO_ROOT, "Protos")
PROTO_FILES = [
    "raystack/raccoon/v1beta1/raccoon.proto",
    "clickswarm/events/v1/context.proto",
    "clickswarm/events/v1/events.proto",
]
PB2_MODULES = [
    "raystack.raccoon.v1beta1.raccoon_pb2",
    "clickswarm.events.v1.context_pb2",
    "clickswarm.events.v1.events_pb2",
]
MANIFEST = "manifest.json"

try:
    from google.protobuf import descriptor as _descriptor
    from google.protobuf import descriptor_pool, message_factory
    from grpc_tools import protoc
except ImportError as error:
    sys.stderr.write(
        "python_interop.py: cannot import the Python protobuf packages (%s) with %s.\n"
        "Run scripts/test.sh (which pip installs them), or: %s -m pip install protobuf grpcio-tools\n"
        % (error, sys.executable, sys.executable)
    )
    sys.exit(2)

FD = _descriptor.FieldDescriptor
INT64_TYPES = {FD.TYPE_INT64, FD.TYPE_UINT64, FD.TYPE_SINT64, FD.TYPE_FIXED64, FD.TYPE_SFIXED64}
INT32_TYPES = {FD.TYPE_INT32, FD.TYPE_UINT32, FD.TYPE_SINT32, FD.TYPE_FIXED32, FD.TYPE_SFIXED32}


class Mismatch(Exception):
    pass


# --- Compiling and loading the protos -------------------------------------------------------


def grpc_tools_include():
    try:
        from importlib import resources

        return str(resources.files("grpc_tools") / "_proto")
    except (ImportError, AttributeError):  # Python < 3.9
        import pkg_resources

        return pkg_resources.resource_filename("grpc_tools", "_proto")


def load_protos(workdir):
    include = grpc_tools_include()
    if not os.path.exists(os.path.join(include, "google", "protobuf", "timestamp.proto")):
        raise SystemExit("python_interop.py: google/protobuf/timestamp.proto not found under %s" % include)
    args = ["protoc", "-I" + PROTO_ROOT, "-I" + include, "--python_out=" + workdir] + [
        os.path.join(PROTO_ROOT, name) for name in PROTO_FILES
    ]
    if protoc.main(args) != 0:
        raise SystemExit("python_interop.py: protoc failed on %s" % ", ".join(PROTO_FILES))
    sys.path.insert(0, workdir)
    for module in PB2_MODULES:
        importlib.import_module(module)


def message_class(full_name):
    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(full_name)
    except KeyError:
        raise Mismatch("unknown message type %r" % full_name)
    return message_factory.GetMessageClass(descriptor)


# --- Checking a parsed message against expected values --------------------------------------


def is_map(field):
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def is_repeated(field):
    # FieldDescriptor.label is deprecated in newer protobuf releases.
    flag = getattr(field, "is_repeated", None)
    if flag is not None:
        return flag() if callable(flag) else flag
    return field.label == FD.LABEL_REPEATED


def describe(value):
    return repr(value)


def check_unknown_fields(message, path):
    try:
        from google.protobuf import unknown_fields
    except ImportError:
        return
    unknown = unknown_fields.UnknownFieldSet(message)
    if len(unknown):
        numbers = sorted({entry.field_number for entry in unknown})
        raise Mismatch("%s: unknown field number(s) %s (not in the .proto)" % (path, numbers))


def check_message(message, expected, path):
    if not isinstance(expected, dict):
        raise Mismatch("%s: manifest value must be an object, got %s" % (path, describe(expected)))
    descriptor = message.DESCRIPTOR
    names = {field.name for field in descriptor.fields}
    extra = sorted(set(expected) - names)
    if extra:
        raise Mismatch("%s: manifest names field(s) %s that %s does not have" % (path, extra, descriptor.full_name))
    check_unknown_fields(message, path)
    for field in descriptor.fields:
        field_path = "%s.%s" % (path, field.name)
        actual = getattr(message, field.name)
        if is_map(field):
            want = expected.get(field.name, {})
            value_field = field.message_type.fields_by_name["value"]
            if not isinstance(want, dict):
                raise Mismatch("%s: manifest value must be an object" % field_path)
            if sorted(actual.keys()) != sorted(want.keys()):
                raise Mismatch("%s: expected keys %s, got %s" % (field_path, sorted(want), sorted(actual.keys())))
            for key in sorted(want):
                check_value(value_field, actual[key], want[key], "%s[%r]" % (field_path, key))
        elif is_repeated(field):
            want = expected.get(field.name, [])
            if not isinstance(want, list):
                raise Mismatch("%s: manifest value must be a list" % field_path)
            if len(actual) != len(want):
                raise Mismatch("%s: expected %d element(s), got %d" % (field_path, len(want), len(actual)))
            for index, (item, want_item) in enumerate(zip(actual, want)):
                check_value(field, item, want_item, "%s[%d]" % (field_path, index))
        elif field.type == FD.TYPE_MESSAGE:
            present = message.HasField(field.name)
            if field.name not in expected:
                if present:
                    raise Mismatch("%s: expected unset, but it is set to {%s}" % (field_path, str(actual).strip()))
                continue
            if not present:
                raise Mismatch("%s: expected set, but it is unset" % field_path)
            check_message(actual, expected[field.name], field_path)
        else:
            check_value(field, actual, expected.get(field.name, default_of(field)), field_path)


def default_of(field):
    if field.type == FD.TYPE_BYTES:
        return {"base64": ""}
    if field.type == FD.TYPE_ENUM:
        return 0
    return field.default_value


def check_value(field, actual, want, path):
    kind = field.type
    if kind == FD.TYPE_MESSAGE:
        check_message(actual, want, path)
    elif kind == FD.TYPE_BYTES:
        if not isinstance(want, dict):
            raise Mismatch("%s: manifest value for bytes must be an object" % path)
        if "$message" in want:
            nested = message_class(want["$message"])()
            try:
                nested.ParseFromString(actual)
            except Exception as error:  # DecodeError
                raise Mismatch("%s: does not parse as %s: %s" % (path, want["$message"], error))
            check_message(nested, want.get("fields", {}), "%s<%s>" % (path, want["$message"]))
        else:
            expected_bytes = base64.b64decode(want.get("base64", ""))
            if actual != expected_bytes:
                raise Mismatch("%s: expected bytes %s, got %s" % (path, expected_bytes.hex(), actual.hex()))
    elif kind == FD.TYPE_ENUM:
        number = actual
        value = field.enum_type.values_by_number.get(number)
        name = value.name if value is not None else None
        if isinstance(want, str):
            if name != want:
                raise Mismatch("%s: expected %s, got %s (%d)" % (path, want, name, number))
        elif isinstance(want, int) and not isinstance(want, bool):
            if number != want:
                raise Mismatch("%s: expected enum number %d, got %s (%d)" % (path, want, name, number))
        else:
            raise Mismatch("%s: manifest value for an enum must be a name or number" % path)
    elif kind in INT64_TYPES or kind in INT32_TYPES:
        if isinstance(want, bool) or not isinstance(want, (int, str)):
            raise Mismatch("%s: manifest value for an integer must be a number or string" % path)
        if kind in INT32_TYPES and isinstance(want, str):
            raise Mismatch("%s: manifest value for a 32-bit integer must be a number" % path)
        if int(want) != actual:
            raise Mismatch("%s: expected %d, got %d" % (path, int(want), actual))
    elif kind == FD.TYPE_BOOL:
        if not isinstance(want, bool):
            raise Mismatch("%s: manifest value for a bool must be true or false" % path)
        if actual is not want:
            raise Mismatch("%s: expected %s, got %s" % (path, want, actual))
    elif kind in (FD.TYPE_DOUBLE, FD.TYPE_FLOAT):
        if isinstance(want, bool) or not isinstance(want, (int, float, str)):
            raise Mismatch("%s: manifest value for a float must be a number" % path)
        want = float(want)
        if kind == FD.TYPE_FLOAT:
            want = struct.unpack("<f", struct.pack("<f", want))[0]
        if actual != want:
            raise Mismatch("%s: expected %r, got %r" % (path, want, actual))
    elif kind == FD.TYPE_STRING:
        if not isinstance(want, str):
            raise Mismatch("%s: manifest value for a string must be a string" % path)
        if actual != want:
            raise Mismatch("%s: expected %r, got %r" % (path, want, actual))
    else:
        raise Mismatch("%s: field type %d is not supported by this script" % (path, kind))


def check_entry(directory, entry):
    for key in ("file", "type", "fields"):
        if key not in entry:
            raise Mismatch("manifest entry %s lacks %r" % (describe(entry), key))
    name = entry["file"]
    with open(os.path.join(directory, name), "rb") as handle:
        data = handle.read()
    message = message_class(entry["type"])()
    try:
        message.ParseFromString(data)
    except Exception as error:  # DecodeError
        raise Mismatch("%s: does not parse as %s: %s" % (name, entry["type"], error))
    check_message(message, entry["fields"], "%s: %s" % (name, entry["type"].rsplit(".", 1)[-1]))
    if entry.get("byte_exact"):
        again = message.SerializeToString(deterministic=True)
        if again != data:
            at = next((i for i, (a, b) in enumerate(zip(again, data)) if a != b), min(len(again), len(data)))
            raise Mismatch(
                "%s: Python re-serializes it to different bytes (first difference at byte %d of %d/%d):\n"
                "  file:   %s\n  python: %s" % (name, at, len(data), len(again), data.hex(), again.hex())
            )


def read_manifest(directory):
    path = os.path.join(directory, MANIFEST)
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = json.load(handle)
    except (OSError, ValueError) as error:
        raise Mismatch("cannot read %s: %s" % (path, error))
    if manifest.get("format") != 1 or not isinstance(manifest.get("messages"), list) or not manifest["messages"]:
        raise Mismatch('%s: expected {"format": 1, "messages": [...]} with at least one message' % path)
    return manifest


# --- Building messages from manifest values (encode) ----------------------------------------


def fill_message(message, fields):
    descriptor = message.DESCRIPTOR
    for name, want in fields.items():
        field = descriptor.fields_by_name[name]
        if is_map(field):
            value_field = field.message_type.fields_by_name["value"]
            target = getattr(message, name)
            for key, item in want.items():
                if value_field.type == FD.TYPE_MESSAGE:
                    fill_message(target[key], item)
                else:
                    target[key] = scalar_of(value_field, item)
        elif is_repeated(field):
            target = getattr(message, name)
            for item in want:
                if field.type == FD.TYPE_MESSAGE:
                    fill_message(target.add(), item)
                else:
                    target.append(scalar_of(field, item))
        elif field.type == FD.TYPE_MESSAGE:
            getattr(message, name).SetInParent()
            fill_message(getattr(message, name), want)
        else:
            setattr(message, name, scalar_of(field, want))
    return message


def scalar_of(field, want):
    if field.type == FD.TYPE_BYTES:
        if "$message" in want:
            return fill_message(message_class(want["$message"])(), want["fields"]).SerializeToString()
        return base64.b64decode(want["base64"])
    if field.type == FD.TYPE_ENUM:
        return field.enum_type.values_by_name[want].number if isinstance(want, str) else want
    if field.type in INT64_TYPES:
        return int(want)
    return want


def ts(seconds, nanos):
    return {"seconds": str(seconds), "nanos": nanos}


def fixtures():
    """The messages that `encode` writes. 64-bit integers are strings, as in the manifest."""
    context = {
        "device": {
            "device_id": "dev-0042-ünïcødé",
            "os": "OPERATING_SYSTEM_ANDROID",
            "os_version": "14",
            "manufacturer": "Söny",
            "model": "Xperia 1 V",
            "battery_level": 87,
            "charging": True,
            "network": "NETWORK_TYPE_4G",
            "locale": "id_ID",
        },
        "app": {
            "app_id": "com.example.superapp",
            "version": "5.12.0",
            "build": 51200,
            "sdk_flavor": "clickstream-android",
            "sdk_version": "2.3.1",
        },
        "session": {"session_id": "sess-ßeta-7", "started_at": ts(1700000000, 1), "sequence": 4294967295},
        "user_id": "user-日本語-🚀",
        "location": {"latitude": -6.2087634, "longitude": 106.845599, "city": "Jakarta Selatan"},
    }
    button_click = {
        "event_guid": "0000002a-0000-8000-8ac5-000000000001",
        "event_timestamp": ts(1700000123, 456789012),
        "context": context,
        "screen_name": "Home 🏠",
        "button_id": "btn_order_now",
        "label": "Pesan sekarang — ¡ya!",
        "position": 3,
    }
    order_placed = {
        "event_guid": "0000002a-0000-8000-8ac5-000000000002",
        "event_timestamp": ts(1700000124, 999999999),
        "context": {"user_id": "user-日本語-🚀", "location": {"latitude": 0.1, "longitude": -180.0, "city": ""}},
        "order_id": "ORD-2024-ünï",
        "service": "SERVICE_FOOD",
        "items": [
            {"sku": "SKU-001", "name": "Nasi goreng 🍛", "quantity": 2, "unit_price_minor": "3500000"},
            {"sku": "SKU-002", "name": "Es teh manis", "quantity": 1, "unit_price_minor": "-250"},
            {"sku": "SKU-003", "name": "", "quantity": 0, "unit_price_minor": "9223372036854775807"},
        ],
        "total_minor": "-9223372036854775808",
        "currency": "IDR",
        "merchant_id": "mch-∑-77",
    }
    request = {
        "req_guid": "req-4f1c-ünïcødé",
        "sent_time": ts(1700000200, 123456789),
        "events": [
            {
                "event_bytes": {"$message": "clickswarm.events.v1.ButtonClick", "fields": button_click},
                "type": "superapp-buttonclick",
                "event_name": "ButtonClick",
                "product": "superapp",
                "event_timestamp": ts(1700000123, 456789012),
                "is_exclusive": True,
                "app_version": "5.12.0",
                "platform": "PLATFORM_ANDROID",
            },
            {
                "event_bytes": {"$message": "clickswarm.events.v1.OrderPlaced", "fields": order_placed},
                "type": "superapp-orderplaced",
                "event_timestamp": ts(-62135596800, 0),
                "platform": "PLATFORM_FLUTTER",
            },
        ],
    }
    response_ok = {
        "status": "STATUS_SUCCESS",
        "code": "CODE_OK",
        "sent_time": "1700000201",
        "data": {"req_guid": "req-4f1c-ünïcødé", "note": "日本語 ✓", "empty": ""},
    }
    response_error = {
        "status": "STATUS_ERROR",
        "code": "CODE_MAX_USER_LIMIT_REACHED",
        "sent_time": "-1",
        "reason": "too many users — reconnect later",
        "data": {"req_guid": ""},
    }
    health = {
        "event_guid": "0000002a-0000-8000-8ac5-000000000003",
        "event_timestamp": ts(253402300799, 999999999),
        "event_name": "Batch Sent",
        "event_count": "18446744073709551615",
        "batch_count": "1",
        "time_to_connection_ms": 250,
        "event_guids": ["g-1", "", "g-ü-3"],
        "batch_guids": ["b-1"],
        "session_id": "sess-ßeta-7",
    }
    return [
        ("send_event_request.bin", "raystack.raccoon.v1beta1.SendEventRequest", request),
        ("send_event_response_ok.bin", "raystack.raccoon.v1beta1.SendEventResponse", response_ok),
        ("send_event_response_error.bin", "raystack.raccoon.v1beta1.SendEventResponse", response_error),
        ("health.bin", "clickswarm.events.v1.Health", health),
    ]


def encode(directory):
    os.makedirs(directory, exist_ok=True)
    entries = []
    for name, type_name, fields in fixtures():
        data = fill_message(message_class(type_name)(), fields).SerializeToString(deterministic=True)
        with open(os.path.join(directory, name), "wb") as handle:
            handle.write(data)
        entries.append({"file": name, "type": type_name, "byte_exact": True, "fields": fields})
    manifest = {"format": 1, "writer": "python protobuf", "messages": entries}
    with open(os.path.join(directory, MANIFEST), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, ensure_ascii=False, indent=2)
    # Check our own output the way `decode` checks Swift's, so that a fixture the builder
    # misread cannot slip through.
    for entry in entries:
        check_entry(directory, entry)
    print("python_interop.py: wrote %d message(s) and %s to %s" % (len(entries), MANIFEST, directory))


def decode(directory):
    manifest = read_manifest(directory)
    for entry in manifest["messages"]:
        check_entry(directory, entry)
        print("python_interop.py: %s (%s) matches the manifest" % (entry["file"], entry["type"]))
    print("python_interop.py: all %d message(s) match" % len(manifest["messages"]))


def main(argv):
    if len(argv) != 3 or argv[1] not in ("encode", "decode"):
        sys.stderr.write("usage: python_interop.py encode OUTDIR | decode INDIR\n")
        return 1
    with tempfile.TemporaryDirectory(prefix="clickswarm-pb2-") as workdir:
        load_protos(workdir)
        try:
            (encode if argv[1] == "encode" else decode)(argv[2])
        except Mismatch as error:
            sys.stderr.write("python_interop.py %s: MISMATCH %s\n" % (argv[1], error))
            return 1
        except OSError as error:
            sys.stderr.write("python_interop.py %s: %s\n" % (argv[1], error))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

import Foundation
import RaccoonWire
import SwiftProtobuf
import Testing

/// Wire-format interoperability with an independent protobuf implementation: Python's `protobuf`
/// package, driven by `scripts/interop/python_interop.py`, which compiles `Protos/` with
/// `grpc_tools.protoc`. Each direction writes `.bin` files and a `manifest.json` that gives every
/// field's expected value (the format is described at the top of the script).
///
/// Needs `python3` with `protobuf` and `grpcio-tools` (`scripts/test.sh` installs them, or
/// `pip install protobuf grpcio-tools`). Without them these tests fail; they do not skip.
@Suite("Interop with Python protobuf")
struct PythonInteropTests {
    @Test("Python's protobuf decodes what Swift encodes, field for field")
    func pythonDecodesSwiftEncoding() throws {
        let work = try WorkDirectory()
        defer { work.remove() }

        var entries: [[String: Any]] = []
        for fixture in try SwiftFixtures.all() {
            try Data(fixture.bytes).write(to: work.messages.appendingPathComponent(fixture.file))
            entries.append([
                "file": fixture.file, "type": fixture.type, "byte_exact": true, "fields": fixture.fields,
            ])
        }
        #expect(entries.count == 5)
        let manifest: [String: Any] = ["format": 1, "writer": "swift-protobuf", "messages": entries]
        try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
            .write(to: work.messages.appendingPathComponent("manifest.json"))

        let result = try work.runScript("decode")
        #expect(result.status == 0, "\(result.failureDescription)")
    }

    @Test("Swift decodes what Python's protobuf encodes, field for field")
    func swiftDecodesPythonEncoding() throws {
        let work = try WorkDirectory()
        defer { work.remove() }

        let result = try work.runScript("encode")
        try #require(result.status == 0, "\(result.failureDescription)")

        let manifestData = try Data(contentsOf: work.messages.appendingPathComponent("manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        #expect(manifest["format"] as? Int == 1)
        let entries = try #require(manifest["messages"] as? [[String: Any]])
        // The fixtures python_interop.py is known to write; an empty manifest must not pass.
        #expect(
            entries.compactMap { $0["file"] as? String } == [
                "send_event_request.bin", "send_event_response_ok.bin", "send_event_response_error.bin", "health.bin",
            ])

        for entry in entries {
            let file = try #require(entry["file"] as? String)
            let type = try #require(entry["type"] as? String)
            let bytes = try Data(contentsOf: work.messages.appendingPathComponent(file))
            let expected = Expected(entry["fields"], path: "\(file): \(type)")
            switch type {
            case SendEventRequest.protoMessageName:
                let request = try SendEventRequest(serializedBytes: bytes)
                check(request, expected)
                try expectByteExact(request, bytes, file)
                // Known values of the fixture, besides the manifest.
                #expect(request.events.count == 2)
                #expect(request.sentTime.nanos == 123_456_789)
                let order = try OrderPlaced(serializedBytes: try #require(request.events.last).eventBytes)
                #expect(order.totalMinor == Int64.min)
                #expect(order.items.map(\.unitPriceMinor) == [3_500_000, -250, Int64.max])
            case SendEventResponse.protoMessageName:
                let response = try SendEventResponse(serializedBytes: bytes)
                check(response, expected)
                try expectByteExact(response, bytes, file)
                #expect(response.data["req_guid"] != nil)
            case HealthEvent.protoMessageName:
                let health = try HealthEvent(serializedBytes: bytes)
                check(health, expected)
                try expectByteExact(health, bytes, file)
                #expect(health.eventCount == UInt64.max)
                #expect(health.eventTimestamp.seconds == 253_402_300_799)
            default:
                Issue.record("\(file): the Swift test does not know message type \(type)")
            }
            expected.expectAllChecked()
        }
    }
}

// MARK: - Running python_interop.py

extension PythonInteropTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // RaccoonWireTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    struct ScriptResult {
        var command: String
        var status: Int32
        var stdout: String
        var stderr: String

        var failureDescription: String {
            var text = "`\(command)` exited with status \(status)"
            switch status {
            case 127: text += " (python3 is not on PATH; install Python 3)"
            case 2:
                text += " (the Python packages are missing: run scripts/test.sh, or pip install protobuf grpcio-tools)"
            default: break
            }
            return text + "\n--- stderr ---\n\(stderr)--- stdout ---\n\(stdout)"
        }
    }

    /// A temporary directory: `messages/` for the .bin files and the manifest, the script's
    /// output beside it.
    struct WorkDirectory {
        let root: URL
        let messages: URL

        init() throws {
            root = FileManager.default.temporaryDirectory
                .appendingPathComponent("clickswarm-interop-\(UUID().uuidString)", isDirectory: true)
            messages = root.appendingPathComponent("messages", isDirectory: true)
            try FileManager.default.createDirectory(at: messages, withIntermediateDirectories: true)
        }

        func remove() { try? FileManager.default.removeItem(at: root) }

        func runScript(_ subcommand: String) throws -> ScriptResult {
            let script = PythonInteropTests.repositoryRoot.appendingPathComponent("scripts/interop/python_interop.py")
            let stdoutURL = root.appendingPathComponent("stdout.txt")
            let stderrURL = root.appendingPathComponent("stderr.txt")
            _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            let stdout = try FileHandle(forWritingTo: stdoutURL)
            let stderr = try FileHandle(forWritingTo: stderrURL)
            defer {
                try? stdout.close()
                try? stderr.close()
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script.path, subcommand, messages.path]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()
            process.waitUntilExit()
            return ScriptResult(
                command: "python3 scripts/interop/python_interop.py \(subcommand) \(messages.path)",
                status: process.terminationStatus,
                stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
        }
    }
}

// MARK: - Messages Swift encodes (for `decode`)

extension PythonInteropTests {
    struct Fixture {
        var file: String
        var type: String
        var bytes: [UInt8]
        /// The manifest's expected values, by proto field name.
        var fields: [String: Any]
    }

    static let deterministic: BinaryEncodingOptions = {
        var options = BinaryEncodingOptions()
        options.useDeterministicOrdering = true
        return options
    }()

    /// Known values set in Swift, and the same values in the manifest's notation: proto field
    /// names, enum value names, 64-bit integers and doubles as strings (so that JSON keeps them
    /// exact), a message field only when it is set.
    enum SwiftFixtures {
        static func timestamp(_ seconds: Int64, _ nanos: Int32) -> ProtoTimestamp {
            var timestamp = ProtoTimestamp()
            timestamp.seconds = seconds
            timestamp.nanos = nanos
            return timestamp
        }

        static func timestampFields(_ timestamp: ProtoTimestamp) -> [String: Any] {
            ["seconds": String(timestamp.seconds), "nanos": Int(timestamp.nanos)]
        }

        static func fullContext() -> (EventContext, [String: Any]) {
            var context = EventContext()
            context.device.deviceID = "ios-00ff-ünïcødé"
            context.device.os = .ios
            context.device.osVersion = "17.4.1"
            context.device.manufacturer = "Apple"
            context.device.model = "iPhone15,3"
            context.device.batteryLevel = 100
            context.device.charging = false
            context.device.network = .wifi
            context.device.locale = "en_SG"
            context.app.appID = "com.example.superapp"
            context.app.version = "5.12.0"
            context.app.build = UInt32.max
            context.app.sdkFlavor = "clickstream-ios"
            context.app.sdkVersion = "2.3.1"
            context.session.sessionID = "sess-😀-1"
            context.session.startedAt = timestamp(1_700_000_000, 999_999_999)
            context.session.sequence = 0
            context.userID = "ユーザー-42"
            context.location.latitude = 0.30000000000000004  // needs 17 digits
            context.location.longitude = -103.819836
            context.location.city = "Singapura — Ñ"
            let fields: [String: Any] = [
                "device": [
                    "device_id": "ios-00ff-ünïcødé", "os": "OPERATING_SYSTEM_IOS", "os_version": "17.4.1",
                    "manufacturer": "Apple", "model": "iPhone15,3", "battery_level": 100, "charging": false,
                    "network": "NETWORK_TYPE_WIFI", "locale": "en_SG",
                ] as [String: Any],
                "app": [
                    "app_id": "com.example.superapp", "version": "5.12.0", "build": Int(UInt32.max),
                    "sdk_flavor": "clickstream-ios", "sdk_version": "2.3.1",
                ] as [String: Any],
                "session": [
                    "session_id": "sess-😀-1", "started_at": timestampFields(context.session.startedAt),
                    "sequence": 0,
                ] as [String: Any],
                "user_id": "ユーザー-42",
                "location": [
                    "latitude": "0.30000000000000004", "longitude": "-103.819836", "city": "Singapura — Ñ",
                ],
            ]
            return (context, fields)
        }

        static func all() throws -> [Fixture] {
            let (context, contextFields) = fullContext()

            var click = ButtonClick()
            click.eventGuid = EventGUID(run: 42, device: 0x0001_2345, sequence: 1).description
            click.eventTimestamp = timestamp(1_700_000_123, 1)
            click.context = context
            click.screenName = "Checkout ✓"
            click.buttonID = "btn_pay"
            click.label = "Bayar — 支付"
            click.position = 12
            let clickFields: [String: Any] = [
                "event_guid": click.eventGuid,
                "event_timestamp": timestampFields(click.eventTimestamp),
                "context": contextFields, "screen_name": "Checkout ✓", "button_id": "btn_pay",
                "label": "Bayar — 支付", "position": 12,
            ]

            var order = OrderPlaced()
            order.eventGuid = EventGUID(run: 42, device: 0x0001_2345, sequence: EventGUID.maxSequence).description
            order.eventTimestamp = timestamp(1_700_000_124, 500_000_000)
            order.context.userID = "u-1"  // a context whose device, app, session and location are unset
            order.orderID = "ORD-ß-9"
            order.service = .mart
            for (sku, name, quantity, price) in [
                ("SKU-1", "Kopi susu ☕️", UInt32(2), Int64.max), ("SKU-2", "", 1, -1), ("SKU-3", "Roti", 0, 0),
            ] {
                var item = Clickswarm_Events_V1_OrderItem()
                item.sku = sku
                item.name = name
                item.quantity = quantity
                item.unitPriceMinor = price
                order.items.append(item)
            }
            order.totalMinor = 9_007_199_254_740_993  // 2^53 + 1: not exact as a JSON double
            order.currency = "SGD"
            let orderFields: [String: Any] = [
                "event_guid": order.eventGuid,
                "event_timestamp": timestampFields(order.eventTimestamp),
                "context": ["user_id": "u-1"], "order_id": "ORD-ß-9", "service": "SERVICE_MART",
                "items": [
                    ["sku": "SKU-1", "name": "Kopi susu ☕️", "quantity": 2, "unit_price_minor": "9223372036854775807"],
                    ["sku": "SKU-2", "name": "", "quantity": 1, "unit_price_minor": "-1"],
                    ["sku": "SKU-3", "name": "Roti", "quantity": 0, "unit_price_minor": "0"],
                ] as [[String: Any]],
                "total_minor": "9007199254740993", "currency": "SGD",
            ]

            var request = SendEventRequest()
            request.reqGuid = "req-swift-ünï-1"
            request.sentTime = timestamp(1_700_000_200, 123_456_789)
            var first = RaccoonEvent()
            first.eventBytes = try click.serializedBytes()
            first.type = "superapp-buttonclick"
            first.eventName = "ButtonClick"
            first.product = "superapp"
            first.eventTimestamp = click.eventTimestamp
            first.isExclusive = true
            first.appVersion = "5.12.0"
            first.platform = .ios
            var second = RaccoonEvent()
            second.eventBytes = try order.serializedBytes()
            second.type = "superapp-orderplaced"
            second.eventTimestamp = ProtoTimestamp()  // set, but all zero: an empty submessage
            second.platform = .flutter
            request.events = [first, second]
            let requestFields: [String: Any] = [
                "req_guid": "req-swift-ünï-1",
                "sent_time": timestampFields(request.sentTime),
                "events": [
                    [
                        "event_bytes": ["$message": "clickswarm.events.v1.ButtonClick", "fields": clickFields]
                            as [String: Any],
                        "type": "superapp-buttonclick", "event_name": "ButtonClick", "product": "superapp",
                        "event_timestamp": timestampFields(first.eventTimestamp), "is_exclusive": true,
                        "app_version": "5.12.0", "platform": "PLATFORM_IOS",
                    ] as [String: Any],
                    [
                        "event_bytes": ["$message": "clickswarm.events.v1.OrderPlaced", "fields": orderFields]
                            as [String: Any],
                        "type": "superapp-orderplaced", "event_timestamp": [String: Any](),
                        "platform": "PLATFORM_FLUTTER",
                    ],
                ] as [[String: Any]],
            ]

            var response = SendEventResponse.make(
                status: .error, code: .maxConnectionLimitReached, sentTime: -1_700_000_000,
                reason: "connection limit — retry later ⏳", reqGUID: "req-swift-ünï-1")
            response.data["ключ"] = "значение"
            response.data["empty"] = ""
            let responseFields: [String: Any] = [
                "status": "STATUS_ERROR", "code": "CODE_MAX_CONNECTION_LIMIT_REACHED", "sent_time": "-1700000000",
                "reason": "connection limit — retry later ⏳",
                "data": ["req_guid": "req-swift-ünï-1", "ключ": "значение", "empty": ""],
            ]

            var health = HealthEvent()
            health.eventGuid = EventGUID(run: 0xFFFF_FFFF, device: 0xFFFF_FFFF, sequence: 0).description
            health.eventTimestamp = timestamp(-62_135_596_800, 0)  // 0001-01-01T00:00:00Z, the minimum
            health.eventName = "Connection Failure"
            health.failureReason = "socket_timeout"
            health.eventCount = UInt64.max
            health.batchCount = 1 << 32
            health.timeToConnectionMs = 1
            health.eventGuids = ["g-1", "", "g-ü-3"]
            health.sessionID = "sess-😀-1"
            let healthFields: [String: Any] = [
                "event_guid": health.eventGuid,
                "event_timestamp": timestampFields(health.eventTimestamp),
                "event_name": "Connection Failure", "failure_reason": "socket_timeout",
                "event_count": "18446744073709551615", "batch_count": "4294967296", "time_to_connection_ms": 1,
                "event_guids": ["g-1", "", "g-ü-3"], "session_id": "sess-😀-1",
            ]

            return [
                Fixture(
                    file: "send_event_request.bin", type: SendEventRequest.protoMessageName,
                    bytes: try request.serializedBytes(options: deterministic), fields: requestFields),
                Fixture(
                    file: "send_event_response.bin", type: SendEventResponse.protoMessageName,
                    bytes: try response.serializedBytes(options: deterministic), fields: responseFields),
                Fixture(
                    file: "health.bin", type: HealthEvent.protoMessageName,
                    bytes: try health.serializedBytes(options: deterministic), fields: healthFields),
                Fixture(
                    file: "empty_request.bin", type: SendEventRequest.protoMessageName,
                    bytes: try SendEventRequest().serializedBytes(), fields: [:]),
                Fixture(
                    file: "empty_response.bin", type: SendEventResponse.protoMessageName,
                    bytes: try SendEventResponse().serializedBytes(), fields: [:]),
            ]
        }
    }
}

// MARK: - Checking messages Python encodes (for `encode`)

extension PythonInteropTests {
    /// One message's expected values from a manifest. A missing key means the field's default
    /// (or, for a message field, unset); every key the manifest gives must be checked.
    final class Expected {
        let path: String
        private let values: [String: Any]
        private var checked: Set<String> = []

        init(_ value: Any?, path: String) {
            self.path = path
            values = value as? [String: Any] ?? [:]
            #expect(value is [String: Any], "\(path): the manifest value is not an object")
        }

        private func value(_ key: String) -> Any? {
            checked.insert(key)
            return values[key]
        }

        private func wrongKind(_ key: String, _ kind: String, _ value: Any) {
            Issue.record("\(path).\(key): the manifest value \(value) is not \(kind)")
        }

        func string(_ key: String) -> String {
            guard let value = value(key) else { return "" }
            guard let string = value as? String else {
                wrongKind(key, "a string", value)
                return ""
            }
            return string
        }

        /// An enum value's name, or the zero value's name when the manifest leaves it out.
        func enumName(_ key: String, names: [String]) -> String {
            value(key) == nil ? names[0] : string(key)
        }

        func integer<T: FixedWidthInteger>(_ key: String, as type: T.Type = T.self) -> T {
            guard let value = value(key) else { return 0 }
            if let string = value as? String, let number = T(string) { return number }
            // JSONSerialization gives NSNumber, which also casts to Bool; the script writes no bools here.
            if let number = value as? NSNumber, Double(number.int64Value) == number.doubleValue,
                let exact = T(exactly: number.int64Value)
            {
                return exact
            }
            wrongKind(key, "an integer for \(T.self)", value)
            return 0
        }

        func bool(_ key: String) -> Bool {
            guard let value = value(key) else { return false }
            guard let bool = value as? Bool else {
                wrongKind(key, "a bool", value)
                return false
            }
            return bool
        }

        func double(_ key: String) -> Double {
            guard let value = value(key) else { return 0 }
            if let string = value as? String, let number = Double(string) { return number }
            if let number = value as? NSNumber { return number.doubleValue }
            wrongKind(key, "a number", value)
            return 0
        }

        /// A message field's values, or nil when the manifest has the field unset.
        func message(_ key: String) -> Expected? {
            value(key).map { Expected($0, path: "\(path).\(key)") }
        }

        func list(_ key: String) -> [Any] {
            guard let value = value(key) else { return [] }
            guard let list = value as? [Any] else {
                wrongKind(key, "a list", value)
                return []
            }
            return list
        }

        func stringMap(_ key: String) -> [String: String] {
            guard let value = value(key) else { return [:] }
            guard let map = value as? [String: String] else {
                wrongKind(key, "an object of strings", value)
                return [:]
            }
            return map
        }

        /// A bytes field that holds a serialized message: its type and expected values.
        func serializedMessage(_ key: String) -> (type: String, fields: Expected)? {
            guard let value = value(key) else { return nil }
            guard let object = value as? [String: Any], let type = object["$message"] as? String else {
                wrongKind(key, #"{"$message": TYPE, "fields": {...}}"#, value)
                return nil
            }
            return (type, Expected(object["fields"], path: "\(path).\(key)<\(type)>"))
        }

        func expectAllChecked() {
            let unchecked = Set(values.keys).subtracting(checked).sorted()
            #expect(unchecked.isEmpty, "\(path): manifest fields the Swift test does not check: \(unchecked)")
        }
    }

    static let platformNames = ["PLATFORM_UNSPECIFIED", "PLATFORM_ANDROID", "PLATFORM_IOS", "PLATFORM_FLUTTER"]
    static let statusNames = ["STATUS_UNSPECIFIED", "STATUS_SUCCESS", "STATUS_ERROR"]
    static let codeNames = [
        "CODE_UNSPECIFIED", "CODE_OK", "CODE_BAD_REQUEST", "CODE_INTERNAL_ERROR", "CODE_MAX_CONNECTION_LIMIT_REACHED",
        "CODE_MAX_USER_LIMIT_REACHED",
    ]
    static let osNames = ["OPERATING_SYSTEM_UNSPECIFIED", "OPERATING_SYSTEM_ANDROID", "OPERATING_SYSTEM_IOS"]
    static let networkNames = [
        "NETWORK_TYPE_UNSPECIFIED", "NETWORK_TYPE_WIFI", "NETWORK_TYPE_4G", "NETWORK_TYPE_3G", "NETWORK_TYPE_2G",
        "NETWORK_TYPE_OFFLINE",
    ]
    static let serviceNames = ["SERVICE_UNSPECIFIED", "SERVICE_RIDE", "SERVICE_FOOD", "SERVICE_MART", "SERVICE_PAY"]

    /// The proto name of an enum value, from the `.proto`'s list of names in number order.
    func name(_ value: some SwiftProtobuf.Enum, _ names: [String]) -> String {
        names.indices.contains(value.rawValue) ? names[value.rawValue] : "UNRECOGNIZED(\(value.rawValue))"
    }

    func expectNoUnknownFields(_ message: some SwiftProtobuf.Message, _ path: String) {
        #expect(message.unknownFields.data.isEmpty, "\(path): has fields the Swift code does not know")
    }

    /// Whether a message field is set exactly when the manifest gives it; its values if so.
    func present(_ isSet: Bool, _ expected: Expected, _ key: String) -> Expected? {
        let fields = expected.message(key)
        #expect(isSet == (fields != nil), "\(expected.path).\(key): set in the message: \(isSet)")
        return isSet ? fields : nil
    }

    func expectByteExact(_ message: some SwiftProtobuf.Message, _ bytes: Data, _ file: String) throws {
        let again: Data = try message.serializedBytes(options: Self.deterministic)
        #expect(again == bytes, "\(file): Swift re-serializes it to different bytes")
    }

    func check(_ timestamp: ProtoTimestamp, _ expected: Expected) {
        expectNoUnknownFields(timestamp, expected.path)
        #expect(timestamp.seconds == expected.integer("seconds", as: Int64.self), "\(expected.path).seconds")
        #expect(timestamp.nanos == expected.integer("nanos", as: Int32.self), "\(expected.path).nanos")
        expected.expectAllChecked()
    }

    func check(_ request: SendEventRequest, _ expected: Expected) {
        expectNoUnknownFields(request, expected.path)
        #expect(request.reqGuid == expected.string("req_guid"), "\(expected.path).req_guid")
        if let sentTime = present(request.hasSentTime, expected, "sent_time") { check(request.sentTime, sentTime) }
        let events = expected.list("events")
        #expect(request.events.count == events.count, "\(expected.path).events")
        for (index, (event, fields)) in zip(request.events, events).enumerated() {
            check(event, Expected(fields, path: "\(expected.path).events[\(index)]"))
        }
        expected.expectAllChecked()
    }

    func check(_ event: RaccoonEvent, _ expected: Expected) {
        expectNoUnknownFields(event, expected.path)
        if let nested = expected.serializedMessage("event_bytes") {
            let fields = nested.fields
            do {
                switch nested.type {
                case ButtonClick.protoMessageName: check(try ButtonClick(serializedBytes: event.eventBytes), fields)
                case OrderPlaced.protoMessageName: check(try OrderPlaced(serializedBytes: event.eventBytes), fields)
                default: Issue.record("\(fields.path): the Swift test does not know this contract")
                }
            } catch {
                Issue.record("\(fields.path): does not decode in Swift: \(error)")
            }
        } else {
            #expect(event.eventBytes.isEmpty, "\(expected.path).event_bytes")
        }
        #expect(event.type == expected.string("type"), "\(expected.path).type")
        #expect(event.eventName == expected.string("event_name"), "\(expected.path).event_name")
        #expect(event.product == expected.string("product"), "\(expected.path).product")
        if let timestamp = present(event.hasEventTimestamp, expected, "event_timestamp") {
            check(event.eventTimestamp, timestamp)
        }
        #expect(event.isExclusive == expected.bool("is_exclusive"), "\(expected.path).is_exclusive")
        #expect(event.appVersion == expected.string("app_version"), "\(expected.path).app_version")
        #expect(
            name(event.platform, Self.platformNames) == expected.enumName("platform", names: Self.platformNames),
            "\(expected.path).platform")
        expected.expectAllChecked()
    }

    func check(_ response: SendEventResponse, _ expected: Expected) {
        expectNoUnknownFields(response, expected.path)
        #expect(
            name(response.status, Self.statusNames) == expected.enumName("status", names: Self.statusNames),
            "\(expected.path).status")
        #expect(
            name(response.code, Self.codeNames) == expected.enumName("code", names: Self.codeNames),
            "\(expected.path).code")
        #expect(response.sentTime == expected.integer("sent_time", as: Int64.self), "\(expected.path).sent_time")
        #expect(response.reason == expected.string("reason"), "\(expected.path).reason")
        #expect(response.data == expected.stringMap("data"), "\(expected.path).data")
        expected.expectAllChecked()
    }

    /// Fields 1 to 3, common to every contract.
    func checkCommon(_ contract: some EventContract, hasTimestamp: Bool, hasContext: Bool, _ expected: Expected) {
        expectNoUnknownFields(contract, expected.path)
        #expect(contract.eventGuid == expected.string("event_guid"), "\(expected.path).event_guid")
        if let timestamp = present(hasTimestamp, expected, "event_timestamp") {
            check(contract.eventTimestamp, timestamp)
        }
        if let context = present(hasContext, expected, "context") { check(contract.context, context) }
    }

    func check(_ click: ButtonClick, _ expected: Expected) {
        checkCommon(click, hasTimestamp: click.hasEventTimestamp, hasContext: click.hasContext, expected)
        #expect(click.screenName == expected.string("screen_name"), "\(expected.path).screen_name")
        #expect(click.buttonID == expected.string("button_id"), "\(expected.path).button_id")
        #expect(click.label == expected.string("label"), "\(expected.path).label")
        #expect(click.position == expected.integer("position", as: UInt32.self), "\(expected.path).position")
        expected.expectAllChecked()
    }

    func check(_ order: OrderPlaced, _ expected: Expected) {
        checkCommon(order, hasTimestamp: order.hasEventTimestamp, hasContext: order.hasContext, expected)
        #expect(order.orderID == expected.string("order_id"), "\(expected.path).order_id")
        #expect(
            name(order.service, Self.serviceNames) == expected.enumName("service", names: Self.serviceNames),
            "\(expected.path).service")
        let items = expected.list("items")
        #expect(order.items.count == items.count, "\(expected.path).items")
        for (index, (item, fields)) in zip(order.items, items).enumerated() {
            let itemExpected = Expected(fields, path: "\(expected.path).items[\(index)]")
            expectNoUnknownFields(item, itemExpected.path)
            #expect(item.sku == itemExpected.string("sku"), "\(itemExpected.path).sku")
            #expect(item.name == itemExpected.string("name"), "\(itemExpected.path).name")
            #expect(item.quantity == itemExpected.integer("quantity", as: UInt32.self), "\(itemExpected.path).quantity")
            #expect(
                item.unitPriceMinor == itemExpected.integer("unit_price_minor", as: Int64.self),
                "\(itemExpected.path).unit_price_minor")
            itemExpected.expectAllChecked()
        }
        #expect(order.totalMinor == expected.integer("total_minor", as: Int64.self), "\(expected.path).total_minor")
        #expect(order.currency == expected.string("currency"), "\(expected.path).currency")
        #expect(order.merchantID == expected.string("merchant_id"), "\(expected.path).merchant_id")
        expected.expectAllChecked()
    }

    func check(_ health: HealthEvent, _ expected: Expected) {
        checkCommon(health, hasTimestamp: health.hasEventTimestamp, hasContext: health.hasContext, expected)
        #expect(health.eventName == expected.string("event_name"), "\(expected.path).event_name")
        #expect(health.failureReason == expected.string("failure_reason"), "\(expected.path).failure_reason")
        #expect(health.eventCount == expected.integer("event_count", as: UInt64.self), "\(expected.path).event_count")
        #expect(health.batchCount == expected.integer("batch_count", as: UInt64.self), "\(expected.path).batch_count")
        #expect(
            health.timeToConnectionMs == expected.integer("time_to_connection_ms", as: UInt32.self),
            "\(expected.path).time_to_connection_ms")
        #expect(health.eventGuids == expected.list("event_guids") as? [String], "\(expected.path).event_guids")
        #expect(health.batchGuids == expected.list("batch_guids") as? [String], "\(expected.path).batch_guids")
        #expect(health.sessionID == expected.string("session_id"), "\(expected.path).session_id")
        expected.expectAllChecked()
    }

    func check(_ context: EventContext, _ expected: Expected) {
        expectNoUnknownFields(context, expected.path)
        if let device = present(context.hasDevice, expected, "device") {
            let path = device.path
            expectNoUnknownFields(context.device, path)
            #expect(context.device.deviceID == device.string("device_id"), "\(path).device_id")
            #expect(name(context.device.os, Self.osNames) == device.enumName("os", names: Self.osNames), "\(path).os")
            #expect(context.device.osVersion == device.string("os_version"), "\(path).os_version")
            #expect(context.device.manufacturer == device.string("manufacturer"), "\(path).manufacturer")
            #expect(context.device.model == device.string("model"), "\(path).model")
            #expect(
                context.device.batteryLevel == device.integer("battery_level", as: UInt32.self),
                "\(path).battery_level")
            #expect(context.device.charging == device.bool("charging"), "\(path).charging")
            #expect(
                name(context.device.network, Self.networkNames) == device.enumName("network", names: Self.networkNames),
                "\(path).network")
            #expect(context.device.locale == device.string("locale"), "\(path).locale")
            device.expectAllChecked()
        }
        if let app = present(context.hasApp, expected, "app") {
            expectNoUnknownFields(context.app, app.path)
            #expect(context.app.appID == app.string("app_id"), "\(app.path).app_id")
            #expect(context.app.version == app.string("version"), "\(app.path).version")
            #expect(context.app.build == app.integer("build", as: UInt32.self), "\(app.path).build")
            #expect(context.app.sdkFlavor == app.string("sdk_flavor"), "\(app.path).sdk_flavor")
            #expect(context.app.sdkVersion == app.string("sdk_version"), "\(app.path).sdk_version")
            app.expectAllChecked()
        }
        if let session = present(context.hasSession, expected, "session") {
            expectNoUnknownFields(context.session, session.path)
            #expect(context.session.sessionID == session.string("session_id"), "\(session.path).session_id")
            if let startedAt = present(context.session.hasStartedAt, session, "started_at") {
                check(context.session.startedAt, startedAt)
            }
            #expect(
                context.session.sequence == session.integer("sequence", as: UInt32.self), "\(session.path).sequence")
            session.expectAllChecked()
        }
        #expect(context.userID == expected.string("user_id"), "\(expected.path).user_id")
        if let location = present(context.hasLocation, expected, "location") {
            expectNoUnknownFields(context.location, location.path)
            #expect(context.location.latitude == location.double("latitude"), "\(location.path).latitude")
            #expect(context.location.longitude == location.double("longitude"), "\(location.path).longitude")
            #expect(context.location.city == location.string("city"), "\(location.path).city")
            location.expectAllChecked()
        }
        expected.expectAllChecked()
    }
}

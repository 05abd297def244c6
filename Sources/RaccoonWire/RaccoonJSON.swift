import Foundation

/// Raccoon's JSON form, as its Go server reads and writes it with `encoding/json` (not protojson):
/// field names as in the `.proto` (`req_guid`, `event_bytes`), `sent_time` as an object of
/// `seconds` and `nanos`, `event_bytes` in base64, enums as numbers, empty fields omitted.
///
/// Decoding follows Go: keys match exactly or case-insensitively, unknown keys are ignored
/// (and reported here, since `"eventBytes"` instead of `"event_bytes"` silently loses the
/// payload on a real Raccoon), and a value of the wrong kind is an error.
public enum RaccoonJSON {
    /// A request decoded from JSON, with the keys Raccoon would have ignored.
    public struct DecodedRequest: Sendable {
        public var request: SendEventRequest
        /// Paths of keys no field matched, such as `events[0].eventBytes`.
        public var unknownKeys: [String]
    }

    public struct DecodingError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    // MARK: Requests

    public static func decodeRequest(_ bytes: some Collection<UInt8>) throws(DecodingError) -> DecodedRequest {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw DecodingError(message: error.description)
        }
        var decoder = FieldDecoder()
        let request = try decoder.request(root)
        return DecodedRequest(request: request, unknownKeys: decoder.unknownKeys)
    }

    public static func encodeRequest(_ request: SendEventRequest) -> [UInt8] {
        var writer = JSONWriter()
        writer.raw("{")
        var first = true
        func key(_ name: StaticString) {
            if !first { writer.raw(",") }
            first = false
            writer.raw("\"")
            writer.raw(name)
            writer.raw("\":")
        }
        if !request.reqGuid.isEmpty {
            key("req_guid")
            writer.string(request.reqGuid)
        }
        if request.hasSentTime {
            key("sent_time")
            writeTimestamp(request.sentTime, into: &writer)
        }
        if !request.events.isEmpty {
            key("events")
            writer.raw("[")
            for (index, event) in request.events.enumerated() {
                if index > 0 { writer.raw(",") }
                writeEvent(event, into: &writer)
            }
            writer.raw("]")
        }
        writer.raw("}")
        return writer.bytes
    }

    private static func writeTimestamp(_ timestamp: ProtoTimestamp, into writer: inout JSONWriter) {
        writer.raw("{")
        var fields: [String] = []
        if timestamp.seconds != 0 { fields.append("\"seconds\":\(timestamp.seconds)") }
        if timestamp.nanos != 0 { fields.append("\"nanos\":\(timestamp.nanos)") }
        writer.raw(fields.joined(separator: ","))
        writer.raw("}")
    }

    private static func writeEvent(_ event: RaccoonEvent, into writer: inout JSONWriter) {
        writer.raw("{")
        var first = true
        func key(_ name: StaticString, _ writer: inout JSONWriter) {
            if !first { writer.raw(",") }
            first = false
            writer.raw("\"")
            writer.raw(name)
            writer.raw("\":")
        }
        if !event.eventBytes.isEmpty {
            key("event_bytes", &writer)
            writer.string(event.eventBytes.base64EncodedString())
        }
        if !event.type.isEmpty {
            key("type", &writer)
            writer.string(event.type)
        }
        if !event.eventName.isEmpty {
            key("event_name", &writer)
            writer.string(event.eventName)
        }
        if !event.product.isEmpty {
            key("product", &writer)
            writer.string(event.product)
        }
        if event.hasEventTimestamp {
            key("event_timestamp", &writer)
            writeTimestamp(event.eventTimestamp, into: &writer)
        }
        if event.isExclusive {
            key("is_exclusive", &writer)
            writer.raw("true")
        }
        if !event.appVersion.isEmpty {
            key("app_version", &writer)
            writer.string(event.appVersion)
        }
        if event.platform.rawValue != 0 {
            key("platform", &writer)
            writer.raw("\(event.platform.rawValue)")
        }
        writer.raw("}")
    }

    // MARK: Responses

    /// `{"status":1,"code":1,"sent_time":1638155915,"data":{"req_guid":"…"}}`: enums as numbers,
    /// empty fields omitted, map keys sorted (as Go writes maps).
    public static func encodeResponse(_ response: SendEventResponse) -> [UInt8] {
        var writer = JSONWriter(capacity: 96)
        var fields: [(StaticString, (inout JSONWriter) -> Void)] = []
        if response.status.rawValue != 0 {
            fields.append(("status", { $0.raw("\(response.status.rawValue)") }))
        }
        if response.code.rawValue != 0 {
            fields.append(("code", { $0.raw("\(response.code.rawValue)") }))
        }
        if response.sentTime != 0 {
            fields.append(("sent_time", { $0.raw("\(response.sentTime)") }))
        }
        if !response.reason.isEmpty {
            fields.append(("reason", { $0.string(response.reason) }))
        }
        if !response.data.isEmpty {
            fields.append(
                (
                    "data",
                    { writer in
                        writer.raw("{")
                        for (index, key) in response.data.keys.sorted().enumerated() {
                            if index > 0 { writer.raw(",") }
                            writer.string(key)
                            writer.raw(":")
                            writer.string(response.data[key] ?? "")
                        }
                        writer.raw("}")
                    }
                ))
        }
        writer.raw("{")
        for (index, field) in fields.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("\"")
            writer.raw(field.0)
            writer.raw("\":")
            field.1(&writer)
        }
        writer.raw("}")
        return writer.bytes
    }

    public static func decodeResponse(_ bytes: some Collection<UInt8>) throws(DecodingError) -> SendEventResponse {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw DecodingError(message: error.description)
        }
        var decoder = FieldDecoder()
        return try decoder.response(root)
    }
}

/// Go `encoding/json` semantics for the few Raccoon structs.
private struct FieldDecoder {
    var unknownKeys: [String] = []

    typealias DecodingError = RaccoonJSON.DecodingError

    /// Calls `body` for each member whose key matches one of `fields` (exactly, else
    /// case-insensitively, as Go does); records the others as unknown.
    mutating func members(
        of value: JSONValue,
        path: String,
        goType: String,
        fields: [String],
        _ body: (String, JSONValue, String) throws(DecodingError) -> Void
    ) throws(DecodingError) {
        switch value {
        case .null:
            return
        case .object(let members):
            for member in members {
                let field =
                    fields.first { $0 == member.key } ?? fields.first { $0.lowercased() == member.key.lowercased() }
                let memberPath = path.isEmpty ? member.key : "\(path).\(member.key)"
                if let field {
                    try body(field, member.value, memberPath)
                } else {
                    unknownKeys.append(memberPath)
                }
            }
        default:
            throw DecodingError(message: "json: cannot unmarshal \(value.kindName) into Go value of type \(goType)")
        }
    }

    static func mismatch(_ value: JSONValue, _ path: String, _ goType: String) -> DecodingError {
        DecodingError(
            message: "json: cannot unmarshal \(value.kindName) into Go struct field \(path) of type \(goType)")
    }

    static func string(_ value: JSONValue, _ path: String) throws(DecodingError) -> String {
        switch value {
        case .null: return ""
        case .string(let text): return text
        default: throw Self.mismatch(value, path, "string")
        }
    }

    static func bool(_ value: JSONValue, _ path: String) throws(DecodingError) -> Bool {
        switch value {
        case .null: return false
        case .bool(let flag): return flag
        default: throw Self.mismatch(value, path, "bool")
        }
    }

    static func integer<T: FixedWidthInteger>(_ value: JSONValue, _ path: String, _ type: T.Type) throws(DecodingError)
        -> T
    {
        switch value {
        case .null:
            return 0
        case .number(let literal):
            guard let number = T(literal) else {
                throw DecodingError(
                    message: "json: cannot unmarshal number \(literal) into Go struct field \(path) of type \(T.self)"
                        .replacingOccurrences(of: "Int64", with: "int64").replacingOccurrences(
                            of: "Int32", with: "int32"))
            }
            return number
        default:
            throw Self.mismatch(value, path, "\(T.self)".lowercased())
        }
    }

    mutating func timestamp(_ value: JSONValue, _ path: String) throws(DecodingError) -> ProtoTimestamp {
        var timestamp = ProtoTimestamp()
        try members(of: value, path: path, goType: "timestamppb.Timestamp", fields: ["seconds", "nanos"]) {
            (field, member, memberPath) throws(DecodingError) in
            if field == "seconds" {
                timestamp.seconds = try Self.integer(member, memberPath, Int64.self)
            } else {
                timestamp.nanos = try Self.integer(member, memberPath, Int32.self)
            }
        }
        return timestamp
    }

    mutating func request(_ root: JSONValue) throws(DecodingError) -> SendEventRequest {
        var request = SendEventRequest()
        var events: [RaccoonEvent] = []
        var eventsValue: JSONValue = .null
        var sentTimeValue: JSONValue?
        try members(
            of: root, path: "", goType: "raccoonv1beta1.SendEventRequest",
            fields: ["req_guid", "sent_time", "events"]
        ) { (field, member, memberPath) throws(DecodingError) in
            switch field {
            case "req_guid": request.reqGuid = try Self.string(member, "SendEventRequest.req_guid")
            case "sent_time": sentTimeValue = member
            default: eventsValue = member
            }
        }
        if let sentTimeValue, sentTimeValue != .null {
            request.sentTime = try timestamp(sentTimeValue, "sent_time")
        }
        switch eventsValue {
        case .null:
            break
        case .array(let elements):
            events.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                events.append(try event(element, path: "events[\(index)]"))
            }
        default:
            throw Self.mismatch(eventsValue, "SendEventRequest.events", "[]*raccoonv1beta1.Event")
        }
        request.events = events
        return request
    }

    mutating func event(_ value: JSONValue, path: String) throws(DecodingError) -> RaccoonEvent {
        var event = RaccoonEvent()
        var timestampValue: JSONValue = .null
        try members(
            of: value, path: path, goType: "raccoonv1beta1.Event",
            fields: [
                "event_bytes", "type", "event_name", "product", "event_timestamp", "is_exclusive", "app_version",
                "platform",
            ]
        ) { (field, member, memberPath) throws(DecodingError) in
            let goPath = "Event.\(field)"
            switch field {
            case "event_bytes":
                let text = try Self.string(member, goPath)
                guard let data = Data(base64Encoded: text) else {
                    throw DecodingError(message: "illegal base64 data in \(memberPath)")
                }
                event.eventBytes = data
            case "type": event.type = try Self.string(member, goPath)
            case "event_name": event.eventName = try Self.string(member, goPath)
            case "product": event.product = try Self.string(member, goPath)
            case "event_timestamp": timestampValue = member
            case "is_exclusive": event.isExclusive = try Self.bool(member, goPath)
            case "app_version": event.appVersion = try Self.string(member, goPath)
            default:
                let raw = try Self.integer(member, goPath, Int32.self)
                event.platform = RaccoonPlatform(rawValue: Int(raw)) ?? .UNRECOGNIZED(Int(raw))
            }
        }
        if timestampValue != .null {
            event.eventTimestamp = try timestamp(timestampValue, "\(path).event_timestamp")
        }
        return event
    }

    mutating func response(_ root: JSONValue) throws(DecodingError) -> SendEventResponse {
        var response = SendEventResponse()
        try members(
            of: root, path: "", goType: "raccoonv1beta1.SendEventResponse",
            fields: ["status", "code", "sent_time", "reason", "data"]
        ) { (field, member, memberPath) throws(DecodingError) in
            switch field {
            case "status":
                let raw = Int(try Self.integer(member, "SendEventResponse.status", Int32.self))
                response.status = RaccoonStatus(rawValue: raw) ?? .UNRECOGNIZED(raw)
            case "code":
                let raw = Int(try Self.integer(member, "SendEventResponse.code", Int32.self))
                response.code = RaccoonCode(rawValue: raw) ?? .UNRECOGNIZED(raw)
            case "sent_time": response.sentTime = try Self.integer(member, "SendEventResponse.sent_time", Int64.self)
            case "reason": response.reason = try Self.string(member, "SendEventResponse.reason")
            default:
                switch member {
                case .null: break
                case .object(let entries):
                    for entry in entries {
                        response.data[entry.key] = try Self.string(entry.value, "SendEventResponse.data")
                    }
                default: throw Self.mismatch(member, "SendEventResponse.data", "map[string]string")
                }
            }
        }
        return response
    }
}

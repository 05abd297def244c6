import Foundation
import RaccoonWire
import SwiftProtobuf
import Testing

@Suite("Raccoon protobuf form")
struct RaccoonProtobufTests {
    static func sampleRequest() -> SendEventRequest {
        var request = SendEventRequest()
        request.reqGuid = "a"
        request.sentTime = ProtoTimestamp(seconds: 1, nanos: 0)
        var event = RaccoonEvent()
        event.eventBytes = Data([0x01])
        event.type = "t"
        request.events = [event]
        return request
    }

    @Test("golden bytes of a request match the wire format field by field")
    func goldenRequest() throws {
        let bytes: [UInt8] = try Self.sampleRequest().serializedBytes()
        // 1: "a" | 2: {1: 1} | 3: {1: 0x01, 2: "t"}
        #expect(bytes == [0x0A, 0x01, 0x61, 0x12, 0x02, 0x08, 0x01, 0x1A, 0x06, 0x0A, 0x01, 0x01, 0x12, 0x01, 0x74])
        #expect(try SendEventRequest(serializedBytes: bytes) == Self.sampleRequest())
    }

    @Test("golden bytes of a response, with the req_guid echo in the data map")
    func goldenResponse() throws {
        let response = SendEventResponse.make(status: .success, code: .ok, sentTime: 2, reqGUID: "g")
        let bytes: [UInt8] = try response.serializedBytes()
        // 1: 1 | 2: 1 | 3: 2 | 5: {1: "req_guid", 2: "g"}
        let expected: [UInt8] =
            [0x08, 0x01, 0x10, 0x01, 0x18, 0x02, 0x2A, 0x0D, 0x0A, 0x08] + Array("req_guid".utf8) + [0x12, 0x01, 0x67]
        #expect(bytes == expected)
    }

    @Test("the goto variant's optional event fields round trip")
    func gotoFields() throws {
        var event = RaccoonEvent()
        event.eventBytes = Data([1, 2, 3])
        event.type = "gofood-buttonclick"
        event.eventName = "ButtonClick"
        event.product = "food"
        event.eventTimestamp = ProtoTimestamp(seconds: 1_700_000_000, nanos: 123)
        event.isExclusive = true
        event.appVersion = "4.2.0"
        event.platform = .ios
        let bytes: [UInt8] = try event.serializedBytes()
        #expect(try RaccoonEvent(serializedBytes: bytes) == event)
        // is_exclusive is field 7 (tag 0x38), platform field 9 (tag 0x48).
        #expect(bytes.contains(0x38) && bytes.suffix(2) == [0x48, 0x02])
    }

    @Test("enum values are Raccoon's")
    func enumValues() {
        #expect(RaccoonStatus.success.rawValue == 1)
        #expect(RaccoonStatus.error.rawValue == 2)
        #expect(RaccoonCode.ok.rawValue == 1)
        #expect(RaccoonCode.badRequest.rawValue == 2)
        #expect(RaccoonCode.internalError.rawValue == 3)
        #expect(RaccoonCode.maxConnectionLimitReached.rawValue == 4)
        #expect(RaccoonCode.maxUserLimitReached.rawValue == 5)
    }
}

@Suite("Raccoon JSON form")
struct RaccoonJSONTests {
    @Test("a request encodes with Go's field names, base64 bytes and a sent_time object")
    func encodeRequest() throws {
        var request = RaccoonProtobufTests.sampleRequest()
        request.sentTime.nanos = 7
        request.events[0].eventBytes = Data("hi".utf8)
        let text = String(decoding: RaccoonJSON.encodeRequest(request), as: UTF8.self)
        #expect(
            text
                == #"{"req_guid":"a","sent_time":{"seconds":1,"nanos":7},"events":[{"event_bytes":"aGk=","type":"t"}]}"#
        )
    }

    @Test("a request decodes from the spec's example and round trips")
    func decodeRequest() throws {
        let json =
            #"{"req_guid":"r-1","sent_time":{"seconds":1638155915,"nanos":12},"events":[{"event_bytes":"aGk=","type":"click"}]}"#
        let decoded = try RaccoonJSON.decodeRequest(Array(json.utf8))
        #expect(decoded.unknownKeys.isEmpty)
        #expect(decoded.request.reqGuid == "r-1")
        #expect(decoded.request.sentTime.seconds == 1_638_155_915)
        #expect(decoded.request.sentTime.nanos == 12)
        #expect(decoded.request.events.map(\.eventBytes) == [Data("hi".utf8)])
        #expect(decoded.request.events.map(\.type) == ["click"])
        let again = try RaccoonJSON.decodeRequest(RaccoonJSON.encodeRequest(decoded.request))
        #expect(again.request == decoded.request)
    }

    @Test("the eventBytes trap: accepted, payload empty, key reported")
    func eventBytesTrap() throws {
        let json = #"{"req_guid":"r","events":[{"eventBytes":"aGk=","type":"click"}]}"#
        let decoded = try RaccoonJSON.decodeRequest(Array(json.utf8))
        #expect(decoded.request.events.count == 1)
        #expect(decoded.request.events[0].eventBytes.isEmpty)
        #expect(decoded.unknownKeys == ["events[0].eventBytes"])
    }

    @Test("keys match case-insensitively, as in Go")
    func caseInsensitive() throws {
        let json = #"{"REQ_GUID":"r","Events":[{"Event_Bytes":"aGk=","TYPE":"x"}]}"#
        let decoded = try RaccoonJSON.decodeRequest(Array(json.utf8))
        #expect(decoded.unknownKeys.isEmpty)
        #expect(decoded.request.reqGuid == "r")
        #expect(decoded.request.events[0].eventBytes == Data("hi".utf8))
        #expect(decoded.request.events[0].type == "x")
    }

    @Test("null values and missing fields decode to defaults")
    func nulls() throws {
        let decoded = try RaccoonJSON.decodeRequest(Array(#"{"req_guid":null,"sent_time":null,"events":null}"#.utf8))
        #expect(decoded.request == SendEventRequest())
        #expect(try RaccoonJSON.decodeRequest(Array("{}".utf8)).request == SendEventRequest())
    }

    @Test(
        "wrong kinds and bad input give specific errors",
        arguments: [
            (
                #"{"req_guid":5}"#,
                "json: cannot unmarshal number into Go struct field SendEventRequest.req_guid of type string"
            ),
            (
                #"{"events":{}}"#,
                "json: cannot unmarshal object into Go struct field SendEventRequest.events of type []*raccoonv1beta1.Event"
            ),
            (
                #"{"sent_time":{"seconds":1.5}}"#,
                "json: cannot unmarshal number 1.5 into Go struct field sent_time.seconds of type int64"
            ),
            (#"{"events":[{"event_bytes":"***"}]}"#, "illegal base64 data in events[0].event_bytes"),
            (#"[1,2]"#, "json: cannot unmarshal array into Go value of type raccoonv1beta1.SendEventRequest"),
            (#"{"req_guid":"a""#, "invalid JSON at byte 15: unexpected end of input"),
            ("", "invalid JSON at byte 0: unexpected end of input"),
            (#"{"a":1} x"#, "invalid JSON at byte 8: unexpected data after the document"),
        ])
    func errors(json: String, message: String) {
        let error = #expect(throws: RaccoonJSON.DecodingError.self) {
            try RaccoonJSON.decodeRequest(Array(json.utf8))
        }
        #expect(error?.message == message)
    }

    @Test("deeply nested input is refused, not a stack overflow")
    func deepNesting() {
        let json = String(repeating: "[", count: 100_000)
        #expect(throws: RaccoonJSON.DecodingError.self) { try RaccoonJSON.decodeRequest(Array(json.utf8)) }
    }

    @Test("escapes and surrogate pairs decode; invalid UTF-8 is an error")
    func strings() throws {
        let json = #"{"req_guid":"a\"b\\c\u00e9\ud83d\ude00\n"}"#
        #expect(try RaccoonJSON.decodeRequest(Array(json.utf8)).request.reqGuid == "a\"b\\c\u{e9}\u{1F600}\n")
        #expect(throws: RaccoonJSON.DecodingError.self) {
            try RaccoonJSON.decodeRequest([UInt8](#"{"req_guid":""#.utf8) + [0xFF] + [UInt8](#""}"#.utf8))
        }
    }

    @Test("a response encodes as the spec shows: numeric enums, empty fields omitted")
    func encodeResponse() {
        let ok = SendEventResponse.make(status: .success, code: .ok, sentTime: 1_638_155_915, reqGUID: "abc")
        #expect(
            String(decoding: RaccoonJSON.encodeResponse(ok), as: UTF8.self)
                == #"{"status":1,"code":1,"sent_time":1638155915,"data":{"req_guid":"abc"}}"#)
        let error = SendEventResponse.make(
            status: .error, code: .badRequest, sentTime: 3, reason: "cannot <parse> & \"quote\"", reqGUID: "")
        #expect(
            String(decoding: RaccoonJSON.encodeResponse(error), as: UTF8.self)
                == #"{"status":2,"code":2,"sent_time":3,"reason":"cannot \u003cparse\u003e \u0026 \"quote\"","data":{"req_guid":""}}"#
        )
        #expect(String(decoding: RaccoonJSON.encodeResponse(SendEventResponse()), as: UTF8.self) == "{}")
    }

    @Test("a response decodes back")
    func decodeResponse() throws {
        let response = SendEventResponse.make(
            status: .error, code: .maxUserLimitReached, sentTime: 9, reason: "dup", reqGUID: "x")
        #expect(try RaccoonJSON.decodeResponse(RaccoonJSON.encodeResponse(response)) == response)
    }
}

import Foundation
import RaccoonWire
import Testing

@Suite("Event guids")
struct EventGUIDTests {
    @Test(
        "round trips run, device and sequence through the UUID form",
        arguments: [
            (UInt32(0), UInt32(0), UInt64(0)),
            (1, 42, 7),
            (0xDEAD_BEEF, 0xFFFF_FFFF, EventGUID.maxSequence),
            (123_456, 65_536, 1 << 40),
        ])
    func roundTrip(run: UInt32, device: UInt32, sequence: UInt64) throws {
        let guid = EventGUID(run: run, device: device, sequence: sequence)
        let text = guid.description
        #expect(text.count == 36)
        let parsed = try #require(EventGUID(text))
        #expect(parsed == guid)
        #expect(EventGUID(text.uppercased()) == guid)
    }

    @Test("is a well-formed version-8 UUID")
    func uuidShape() throws {
        let text = EventGUID(run: 7, device: 0x1234_5678, sequence: 99).description
        let uuid = try #require(UUID(uuidString: text))
        #expect(uuid.uuidString.lowercased() == text)
        let characters = Array(text)
        #expect(characters[14] == "8")
        #expect("89ab".contains(characters[19]))
        #expect(text == "00000007-1234-8567-a2c5-000000000063")
    }

    @Test(
        "rejects other UUIDs and junk",
        arguments: [
            "", "not a guid", UUID().uuidString, "00000007-1234-4567-a2c5-000000000063",
            "00000007-1234-8567-a2c4-000000000063", "00000007-1234-8567-a2c5-00000000006",
            "00000007+1234-8567-a2c5-000000000063",
            "0000000g-1234-8567-a2c5-000000000063",
        ])
    func rejects(text: String) {
        #expect(EventGUID(text) == nil)
    }
}

@Suite("Protobuf field scanner")
struct ProtoFieldScannerTests {
    @Test("finds the guid of any contract without decoding it")
    func findsGUID() throws {
        let guid = EventGUID(run: 3, device: 9, sequence: 12)
        var click = ButtonClick()
        click.eventGuid = guid.description
        click.eventTimestamp = ProtoTimestamp(seconds: 1_700_000_000, nanos: 5)
        click.context.device.deviceID = "device-9"
        click.label = "Order now"
        var order = OrderPlaced()
        order.eventGuid = guid.description
        order.totalMinor = 12_345
        order.items = [
            Clickswarm_Events_V1_OrderItem.with {
                $0.sku = "sku-1"; $0.quantity = 2
            }
        ]
        for bytes in [try click.serializedBytes() as [UInt8], try order.serializedBytes() as [UInt8]] {
            let found = bytes.withUnsafeBytes { ProtoFieldScanner.eventGUID(inContract: $0) }
            #expect(found == guid)
        }
    }

    @Test("skips fields before the wanted one")
    func skipsFields() throws {
        // field 2 varint 150, field 3 fixed64, field 5 fixed32, then field 1 "ab"
        let bytes: [UInt8] = [0x10, 0x96, 0x01, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x2D, 1, 2, 3, 4, 0x0A, 0x02, 0x61, 0x62]
        let field = bytes.withUnsafeBytes { ProtoFieldScanner.lengthDelimitedField(1, in: $0).map { Array($0) } }
        #expect(field == [0x61, 0x62])
    }

    @Test(
        "malformed input yields nil, never a crash",
        arguments: [
            [UInt8](), [0x0A], [0x0A, 0x05, 0x61], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            [0x0B, 0x00], [0x11, 1, 2], [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
        ])
    func malformed(bytes: [UInt8]) {
        let found = bytes.withUnsafeBytes { ProtoFieldScanner.lengthDelimitedField(1, in: $0) }
        #expect(found == nil)
    }

    @Test("a contract without a ClickSwarm guid is not mistaken for one")
    func foreignGUID() throws {
        var click = ButtonClick()
        click.eventGuid = UUID().uuidString
        let bytes: [UInt8] = try click.serializedBytes()
        #expect(bytes.withUnsafeBytes { ProtoFieldScanner.eventGUID(inContract: $0) } == nil)
    }
}

@Suite("Event contracts")
struct EventContractTests {
    @Test("iOS-style event types map back to their contract")
    func typeMapping() {
        for contract in EventContracts.all {
            let type = EventContracts.eventType(for: contract, appPrefix: "gofood")
            #expect(type == "gofood-\(contract.contractName.lowercased())")
            #expect(EventContracts.contract(forEventType: type) == contract)
        }
        #expect(EventContracts.contract(forEventType: "gofood-unknown") == nil)
        #expect(EventContracts.all.count == 9)
    }
}

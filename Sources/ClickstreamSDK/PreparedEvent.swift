import NIOCore
import RaccoonWire

/// An app event stamped and ready, whose contract bytes the store's payload source rebuilds
/// from `recipe` (the app's template and context) with the guid and timestamp: what a simulated
/// phone tracks instead of a contract message. The SDK treats it as `track(_:intendedAt:)`
/// treats the contract it stands for, and puts the same bytes on the wire.
public struct PreparedEvent: Sendable {
    /// The contract it is an instance of.
    public var contract: any EventContract.Type
    public var guid: EventGUID
    /// When the app's script meant it to happen.
    public var intendedAt: NIODeadline
    /// The contract's own timestamp (its field 2).
    public var timestamp: ProtoTimestamp
    public var recipe: UInt32
    /// Bytes of the serialized contract (`event_bytes`).
    public var contractSize: Int

    public init(
        contract: any EventContract.Type, guid: EventGUID, intendedAt: NIODeadline, timestamp: ProtoTimestamp,
        recipe: UInt32, contractSize: Int
    ) {
        self.contract = contract
        self.guid = guid
        self.intendedAt = intendedAt
        self.timestamp = timestamp
        self.recipe = recipe
        self.contractSize = contractSize
    }
}

extension EventGUID {
    /// The 36-character UUID form, written as `description` spells it.
    public func write(into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 36) { raw in
            func put(_ value: UInt64, digits: Int, at offset: Int) {
                var value = value
                var index = offset + digits - 1
                while index >= offset {
                    raw[index] = Self.lowercaseHex[Int(value & 0xF)]
                    value >>= 4
                    index -= 1
                }
            }
            put(UInt64(run), digits: 8, at: 0)
            raw[8] = UInt8(ascii: "-")
            put(UInt64(device >> 16), digits: 4, at: 9)
            raw[13] = UInt8(ascii: "-")
            put(0x8000 | UInt64((device >> 4) & 0xFFF), digits: 4, at: 14)
            raw[18] = UInt8(ascii: "-")
            put(0x8000 | UInt64(device & 0xF) << 10 | 0x2C5, digits: 4, at: 19)
            raw[23] = UInt8(ascii: "-")
            put(sequence, digits: 12, at: 24)
            return 36
        }
    }

    private static let lowercaseHex: [UInt8] = Array("0123456789abcdef".utf8)
}

/// What the SDK works out once per contract type (and config) for prepared events.
struct ContractFacts {
    var contract: ObjectIdentifier
    var name: String
    var typeIndex: UInt16
    var eventClass: EventClass
    /// Bytes of the `Event` fields other than `event_bytes`.
    var wrappingSize: Int
}

extension ClickstreamSDK {
    /// The app tracks a prepared event (see `PreparedEvent`): sampled, wrapped, classified and
    /// stored as `track(_:intendedAt:)` does with the contract it stands for, kept as its recipe.
    public func track(prepared event: PreparedEvent) {
        eventLoop.preconditionInEventLoop()
        guard !stopped else { return }
        let facts = self.facts(event.contract)
        let identity = EventIdentity.compact(event.guid)
        let ref = EventRef(identity: identity, typeIndex: facts.typeIndex, intendedAt: event.intendedAt)
        guard admits(ref, name: facts.name) else { return }
        let optional = configuration.wrapping.setsOptionalFields
        if optional,
            store.tables.product != configuration.product || store.tables.appVersion != configuration.appVersion
        {
            store.tables.product = configuration.product
            store.tables.appVersion = configuration.appVersion
        }
        let timestamp = WireWriter.timestampBodySize(seconds: event.timestamp.seconds, nanos: event.timestamp.nanos)
        var size = event.contractSize == 0 ? 0 : WireWriter.delimitedSize(event.contractSize)
        size += facts.wrappingSize + (optional ? WireWriter.delimitedSize(timestamp) : 0)
        let tracked = TrackedEvent(
            identity: identity, eventClass: facts.eventClass, type: store.tables.types[facts.typeIndex],
            contractName: facts.name, typeIndex: facts.typeIndex, intendedAt: event.intendedAt,
            timestamp: EventEntry.nanoseconds(seconds: event.timestamp.seconds, nanos: event.timestamp.nanos),
            payload: .recipe(event.recipe, optionalFields: optional), contractSize: event.contractSize,
            eventSize: size)
        run(delivery.track(tracked, now: now, tables: &store.tables))
    }

    /// The facts of `contract` under the current configuration, worked out on its first event.
    func facts(_ contract: any EventContract.Type) -> ContractFacts {
        let key = ObjectIdentifier(contract)
        if let facts = contractFacts.first(where: { $0.contract == key }) { return facts }
        let name = contract.contractName
        let wrapping = configuration.wrapping
        let type = EventContracts.eventType(
            for: contract, appPrefix: wrapping.prefixesType ? configuration.appPrefix : "")
        var wrappingSize = WireWriter.stringFieldSize(type)
        if wrapping.setsOptionalFields {
            wrappingSize += WireWriter.stringFieldSize(name) + WireWriter.stringFieldSize(configuration.product)
            wrappingSize += 2 + WireWriter.stringFieldSize(configuration.appVersion)
            wrappingSize += 1 + WireWriter.varintSize(UInt64(RaccoonPlatform.ios.rawValue))
        }
        let facts = ContractFacts(
            contract: key, name: name, typeIndex: store.tables.types.index(of: type, contractName: name),
            eventClass: remoteConfig.eventClass(of: name), wrappingSize: wrappingSize)
        contractFacts.append(facts)
        return facts
    }
}

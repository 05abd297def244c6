/// Reads single fields out of serialized protobuf bytes without decoding the whole message.
///
/// The collector uses it to find an event contract's guid (field 1 of every ClickSwarm
/// contract) inside `Event.event_bytes`, whichever contract it is. Malformed input yields `nil`,
/// never a crash.
public enum ProtoFieldScanner {
    /// The bytes of the first length-delimited field with this number, or `nil` when the
    /// message has none or is malformed before it.
    public static func lengthDelimitedField(
        _ fieldNumber: UInt64,
        in bytes: UnsafeRawBufferPointer
    ) -> UnsafeRawBufferPointer? {
        var offset = 0
        while offset < bytes.count {
            guard let key = readVarint(bytes, &offset) else { return nil }
            let wireType = key & 7
            let number = key >> 3
            switch wireType {
            case 0:
                guard readVarint(bytes, &offset) != nil else { return nil }
            case 1:
                offset += 8
            case 2:
                guard let length = readVarint(bytes, &offset), length <= UInt64(bytes.count - offset) else {
                    return nil
                }
                let end = offset + Int(length)
                if number == fieldNumber {
                    return UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
                }
                offset = end
            case 5:
                offset += 4
            default:
                // Groups (3, 4) and unknown wire types: not something a contract carries.
                return nil
            }
        }
        return nil
    }

    /// The event guid of a ClickSwarm contract (field 1), when it is a ClickSwarm `EventGUID`.
    public static func eventGUID(inContract bytes: UnsafeRawBufferPointer) -> EventGUID? {
        guard let field = lengthDelimitedField(1, in: bytes) else { return nil }
        return EventGUID.parse(field)
    }

    /// The bytes of every field numbered `first` or above, in order (a contract's own fields
    /// after its guid, timestamp and context), or `nil` when the message is malformed.
    public static func fields(numberedFrom first: UInt64, in bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var kept: [UInt8] = []
        var offset = 0
        while offset < bytes.count {
            let start = offset
            guard let key = readVarint(bytes, &offset) else { return nil }
            switch key & 7 {
            case 0:
                guard readVarint(bytes, &offset) != nil else { return nil }
            case 1:
                offset += 8
            case 2:
                guard let length = readVarint(bytes, &offset), length <= UInt64(bytes.count - offset) else {
                    return nil
                }
                offset += Int(length)
            case 5:
                offset += 4
            default:
                return nil
            }
            guard offset <= bytes.count else { return nil }
            if key >> 3 >= first { kept.append(contentsOf: bytes[start..<offset]) }
        }
        return kept
    }

    private static func readVarint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }
}

import NIOCore
import RaccoonWire

/// Protobuf's binary form, written field by field straight into a `ByteBuffer`, byte for byte
/// as SwiftProtobuf writes the same message: fields in field-number order, a scalar field only
/// when it is not its default, a message field whenever it is set, minimal varints, negative
/// integers sign-extended to ten bytes. The SDK builds its requests with it by appending the
/// stored events' bytes instead of serializing a `SendEventRequest` (a test compares the two).
public enum WireWriter {
    /// Bytes of `value` as a varint.
    @inline(__always)
    public static func varintSize(_ value: UInt64) -> Int {
        // 1 + (bits above the first 7) / 7, without a loop.
        let bits = 64 - (value | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    /// Bytes of a length-delimited field (tag, length, `length` bytes) of a field number below 16.
    @inline(__always)
    public static func delimitedSize(_ length: Int) -> Int {
        1 + varintSize(UInt64(length)) + length
    }

    /// Bytes of a string field below 16, none when empty.
    @inline(__always)
    public static func stringFieldSize(_ text: String) -> Int {
        let count = text.utf8.count
        return count == 0 ? 0 : delimitedSize(count)
    }

    /// Bytes of a `google.protobuf.Timestamp` message's body.
    @inline(__always)
    public static func timestampBodySize(seconds: Int64, nanos: Int32) -> Int {
        (seconds == 0 ? 0 : 1 + varintSize(UInt64(bitPattern: seconds)))
            + (nanos == 0 ? 0 : 1 + varintSize(UInt64(bitPattern: Int64(nanos))))
    }
}

extension ByteBuffer {
    @inline(__always)
    public mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: value | 0x80))
            value >>= 7
        }
        writeInteger(UInt8(truncatingIfNeeded: value))
    }

    /// The tag of a length-delimited field (wire type 2).
    @inline(__always)
    public mutating func writeDelimitedTag(_ field: Int, length: Int) {
        writeVarint(UInt64(field << 3 | 2))
        writeVarint(UInt64(length))
    }

    /// A string field, nothing when empty.
    @inline(__always)
    public mutating func writeStringField(_ field: Int, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            guard !bytes.isEmpty else { return }
            writeDelimitedTag(field, length: bytes.count)
            writeBytes(UnsafeRawBufferPointer(bytes))
        }
    }

    /// A varint field (wire type 0), nothing when zero.
    @inline(__always)
    public mutating func writeVarintField(_ field: Int, _ value: UInt64) {
        guard value != 0 else { return }
        writeVarint(UInt64(field << 3))
        writeVarint(value)
    }

    /// A set `google.protobuf.Timestamp` field (written even when both parts are zero).
    @inline(__always)
    public mutating func writeTimestampField(_ field: Int, seconds: Int64, nanos: Int32) {
        writeDelimitedTag(field, length: WireWriter.timestampBodySize(seconds: seconds, nanos: nanos))
        writeVarintField(1, UInt64(bitPattern: seconds))
        writeVarintField(2, UInt64(bitPattern: Int64(nanos)))
    }
}

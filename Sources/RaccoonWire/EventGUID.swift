/// An event guid that encodes the run, the device and the device's event sequence number.
///
/// ClickSwarm's simulated devices give every event such a guid so that a collector can account
/// deliveries in compact per-device bitmaps (DESIGN principle 5). It is written as a UUID of
/// version 8 (RFC 9562, "custom"), so collectors that check the UUID shape accept it:
///
/// ```
/// RRRRRRRR-DDDD-8ddd-vxxx-SSSSSSSSSSSS
/// ```
///
/// - `R`: the run id (32 bits).
/// - `D`, `d`: the device index (32 bits: 16 in group 2, 12 after the version nibble, and the
///   last 4 inside group 4).
/// - group 4: the RFC 9562 variant bits `10`, the device's low 4 bits, and a 10-bit marker
///   (`0x2C5`) that tells ClickSwarm guids from other version-8 UUIDs.
/// - `S`: the sequence number (48 bits).
public struct EventGUID: Hashable, Sendable, CustomStringConvertible {
    /// The run this event belongs to.
    public var run: UInt32
    /// The device index within the run.
    public var device: UInt32
    /// The device's event sequence number; at most `maxSequence`.
    public var sequence: UInt64

    public static let maxSequence: UInt64 = (1 << 48) - 1
    static let marker: UInt16 = 0x2C5

    public init(run: UInt32, device: UInt32, sequence: UInt64) {
        precondition(sequence <= Self.maxSequence, "an event sequence number has 48 bits")
        self.run = run
        self.device = device
        self.sequence = sequence
    }

    /// The 36-character, lowercase UUID form.
    public var description: String {
        var bytes = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        func put(_ value: UInt64, digits: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + digits - 1, through: offset, by: -1) {
                bytes[index] = Self.hexDigits[Int(value & 0xF)]
                value >>= 4
            }
        }
        put(UInt64(run), digits: 8, at: 0)
        put(UInt64(device >> 16), digits: 4, at: 9)
        put(0x8000 | UInt64((device >> 4) & 0xFFF), digits: 4, at: 14)
        put(0x8000 | UInt64(device & 0xF) << 10 | UInt64(Self.marker), digits: 4, at: 19)
        put(sequence, digits: 12, at: 24)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Parses the UUID form; `nil` for anything that is not a ClickSwarm guid.
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        guard let parsed = text.withUTF8({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// Parses the UUID form from UTF-8 bytes without allocating; `nil` for anything else.
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> EventGUID? {
        guard bytes.count == 36,
            bytes[8] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: "-"),
            bytes[18] == UInt8(ascii: "-"), bytes[23] == UInt8(ascii: "-")
        else { return nil }
        func hex(_ offset: Int, _ digits: Int) -> UInt64? {
            var value: UInt64 = 0
            for index in offset..<(offset + digits) {
                let byte = bytes[index]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
                default: return nil
                }
                value = value << 4 | UInt64(digit)
            }
            return value
        }
        guard let run = hex(0, 8), let deviceHigh = hex(9, 4), let group3 = hex(14, 4),
            let group4 = hex(19, 4), let sequence = hex(24, 12)
        else { return nil }
        guard group3 >> 12 == 8, group4 >> 14 == 0b10, UInt16(group4 & 0x3FF) == marker else { return nil }
        let device = UInt32(deviceHigh) << 16 | UInt32(group3 & 0xFFF) << 4 | UInt32((group4 >> 10) & 0xF)
        return EventGUID(run: UInt32(run), device: device, sequence: sequence)
    }
}

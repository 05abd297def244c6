import Foundation

/// A `Decoder` over a parsed JSON tree (`JSONSerialization`'s), used to explain a report that
/// `JSONDecoder` refused: it names the field and the value (`totals.generated has the value -3,
/// which is not a count`) where Foundation says only "The given data was not valid JSON".
struct JSONTreeDecoder {
    /// Why a value does not fit its field.
    struct Problem: Error, CustomStringConvertible {
        var path: String
        var message: String
        var description: String { "field '\(path)' \(message)" }
    }

    static func decode<T: Decodable>(_ type: T.Type, from tree: Any) throws -> T {
        try T(from: TreeDecoder(value: tree, codingPath: []))
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

private struct TreeDecoder: Decoder {
    let value: Any
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func problem(_ message: String) -> JSONTreeDecoder.Problem {
        JSONTreeDecoder.Problem(path: JSONTreeDecoder.path(codingPath), message: message)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let object = value as? [String: Any] else { throw problem("is \(describe(value)), not an object") }
        return KeyedDecodingContainer(Keyed<Key>(object: object, decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let array = value as? [Any] else { throw problem("is \(describe(value)), not a list") }
        return Unkeyed(array: array, decoder: self)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }
}

/// JSONSerialization gives `true` and `false` as NSNumbers of their own class (`__NSCFBoolean`).
private func isBoolean(_ number: NSNumber) -> Bool {
    String(describing: type(of: number)).contains("Boolean")
}

private func describe(_ value: Any) -> String {
    switch value {
    case is NSNull: return "null"
    case let number as NSNumber where isBoolean(number): return number.boolValue ? "true" : "false"
    case let number as NSNumber: return "the number \(number)"
    case let text as String: return "the text \"\(text.prefix(40))\""
    case is [Any]: return "a list"
    case is [String: Any]: return "an object"
    default: return "\(value)"
    }
}

private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: [String: Any]
    let decoder: TreeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    func child(_ key: Key) throws -> TreeDecoder {
        guard let value = object[key.stringValue] else {
            throw JSONTreeDecoder.Problem(path: JSONTreeDecoder.path(codingPath + [key]), message: "is missing")
        }
        return TreeDecoder(value: value, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { object[key.stringValue] is NSNull }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try Single(decoder: try child(key)).decode(type)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = object[key.stringValue], !(value is NSNull) else { return nil }
        return try decode(type, forKey: key)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try child(key) }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let array: [Any]
    let decoder: TreeDecoder
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    init(array: [Any], decoder: TreeDecoder) {
        self.array = array
        self.decoder = decoder
    }

    mutating func next() throws -> TreeDecoder {
        guard !isAtEnd else { throw decoder.problem("has fewer entries than expected") }
        defer { currentIndex += 1 }
        return TreeDecoder(value: array[currentIndex], codingPath: codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, array[currentIndex] is NSNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try Single(decoder: try next()).decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

private struct Single: SingleValueDecodingContainer {
    let decoder: TreeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.value is NSNull }

    func number() throws -> NSNumber {
        guard let number = decoder.value as? NSNumber, !isBoolean(number) else {
            throw decoder.problem("is \(describe(decoder.value)), not a number")
        }
        return number
    }

    /// A whole number within `range`: a count, an index.
    func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let number = try number()
        let value = number.doubleValue
        guard value == value.rounded() else { throw decoder.problem("has the value \(number), not a whole number") }
        guard value >= Double(T.min), value < Double(T.max), let exact = T(exactly: value) else {
            throw decoder.problem(
                "has the value \(number), outside \(T.min) to \(T.max)" + (T.min == 0 ? " (a count)" : ""))
        }
        return exact
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard let number = decoder.value as? NSNumber, isBoolean(number) else {
            throw decoder.problem("is \(describe(decoder.value)), not true or false")
        }
        return number.boolValue
    }

    func decode(_ type: String.Type) throws -> String {
        guard let text = decoder.value as? String else {
            throw decoder.problem("is \(describe(decoder.value)), not text")
        }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double { try number().doubleValue }
    func decode(_ type: Float.Type) throws -> Float { Float(try number().doubleValue) }
    func decode(_ type: Int.Type) throws -> Int { try integer(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(UInt64.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Double.Type: return try decode(Double.self) as! T
        case is String.Type: return try decode(String.self) as! T
        case is Bool.Type: return try decode(Bool.self) as! T
        case is UInt64.Type: return try decode(UInt64.self) as! T
        case is Int64.Type: return try decode(Int64.self) as! T
        case is Int.Type: return try decode(Int.self) as! T
        case is UInt32.Type: return try decode(UInt32.self) as! T
        case is Int32.Type: return try decode(Int32.self) as! T
        default: return try T(from: decoder)
        }
    }
}

/// One Kafka record header: a name and a value that may be null. Kafka allows several headers
/// with the same name; their order is kept.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    /// The value's bytes; `nil` is a null value (not the same as empty on the wire).
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header whose value is the UTF-8 bytes of `string`.
    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }
}

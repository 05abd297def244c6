/// The entries of a YAML mapping whose keys were checked against the keys it may have.
struct YAMLFields {
    /// The mapping itself.
    var value: YAMLValue
    private var entries: [String: YAMLValue]

    init(value: YAMLValue, entries: [String: YAMLValue]) {
        self.value = value
        self.entries = entries
    }

    subscript(key: String) -> YAMLValue? {
        entries[key]
    }

    func has(_ key: String) -> Bool {
        entries[key] != nil
    }
}

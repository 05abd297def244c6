/// Gives each distinct name a small index. A handful of names (drop reasons, close reasons) are
/// found by a linear scan of short strings, which needs no hashing; more go through a dictionary.
struct NameInterner<Name: Hashable> {
    private(set) var names: [Name] = []
    private var indices: [Name: Int] = [:]

    @inline(__always)
    mutating func index(_ name: Name) -> Int {
        if names.count <= 8 {
            for (index, known) in names.enumerated() where known == name { return index }
        } else if let index = indices[name] {
            return index
        }
        names.append(name)
        indices[name] = names.count - 1
        return names.count - 1
    }
}

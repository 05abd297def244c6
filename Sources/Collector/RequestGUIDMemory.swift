/// The req_guids one connection has sent, for optional de-duplication, as Raccoon keeps them
/// (`connection/table.go:17,47,73-78`): every one, for as long as the connection lives, the empty
/// req_guid included. It is dropped with the connection. A req_guid whose publish failed under
/// after-publish acks is forgotten, so that its retry is published.
package struct RequestGUIDMemory: Sendable {
    private var seen: Set<String> = []

    package init() {}

    /// How many req_guids it holds.
    package var count: Int { seen.count }

    /// Remembers `guid`; `true` when it had been seen already.
    package mutating func checkAndInsert(_ guid: String) -> Bool {
        !seen.insert(guid).inserted
    }

    /// Forgets `guid` (its publish failed and the client was told so).
    package mutating func forget(_ guid: String) {
        seen.remove(guid)
    }
}

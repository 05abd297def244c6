/// The req_guids one connection has sent, for optional de-duplication: bounded, forgetting the
/// oldest first, so a long-lived connection cannot grow it without limit.
package struct RequestGUIDMemory: Sendable {
    package let capacity: Int
    private var seen: Set<String> = []
    private var order: [String] = []
    private var head = 0

    package init(capacity: Int = 65_536) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Remembers `guid`; `true` when it had been seen already.
    package mutating func checkAndInsert(_ guid: String) -> Bool {
        if seen.contains(guid) { return true }
        if order.count < capacity {
            order.append(guid)
        } else {
            seen.remove(order[head])
            order[head] = guid
            head = (head + 1) % capacity
        }
        seen.insert(guid)
        return false
    }
}

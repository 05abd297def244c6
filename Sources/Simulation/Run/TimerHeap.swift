import ClickstreamSDK

/// Timers in arming order and by deadline, without a closure in the heap: a binary min-heap of
/// (deadline, arming number, slot) entries, and each timer's closure in its slot. Shared by the
/// virtual clock (`VirtualClockLoop`) and a live loop's timer queue (`LoopTimerQueue`).
///
/// A cancelled timer keeps its heap entry until its deadline; taking it off then returns no
/// closure. A slot is reused once its timer is off the heap, so a handle names a timer by slot
/// and arming number together.
struct TimerHeap {
    private struct Entry {
        var deadline: UInt64
        var order: UInt64
        var slot: UInt32

        @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : order < other.order
        }
    }

    private var entries: [Entry] = []
    private var bodies: [(() -> Void)?] = []
    /// Each slot's arming number, `UInt64.max` when the slot is free.
    private var orders: [UInt64] = []
    private var freeSlots: [UInt32] = []
    private var nextOrder: UInt64 = 0

    /// Timers armed and not taken off yet (cancelled ones included).
    var count: Int { entries.count }

    /// The earliest deadline, in uptime nanoseconds.
    var earliest: UInt64? { entries.first?.deadline }

    mutating func arm(at deadline: UInt64, _ body: @escaping () -> Void) -> SDKTimerHandle {
        let order = nextOrder
        nextOrder += 1
        let slot: UInt32
        if let free = freeSlots.popLast() {
            slot = free
            bodies[Int(slot)] = body
            orders[Int(slot)] = order
        } else {
            slot = UInt32(bodies.count)
            bodies.append(body)
            orders.append(order)
        }
        push(Entry(deadline: deadline, order: order, slot: slot))
        return SDKTimerHandle(scheduled: nil, slot: slot, order: order)
    }

    /// Forgets the timer's closure if it is still armed.
    mutating func cancel(_ timer: SDKTimerHandle) {
        let slot = Int(timer.slot)
        guard slot < orders.count, orders[slot] == timer.order else { return }
        bodies[slot] = nil
    }

    /// Takes the earliest timer off the heap: its closure, or nil when it was cancelled.
    mutating func takeEarliest() -> (() -> Void)? {
        let top = entries[0]
        let last = entries.removeLast()
        if !entries.isEmpty { siftDown(last) }
        let slot = Int(top.slot)
        let body = bodies[slot]
        bodies[slot] = nil
        orders[slot] = .max
        freeSlots.append(top.slot)
        return body
    }

    /// Forgets every timer.
    mutating func removeAll() {
        entries.removeAll()
        bodies.removeAll()
        orders.removeAll()
        freeSlots.removeAll()
    }

    private mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entry.precedes(entries[parent]) else { break }
            entries[child] = entries[parent]
            child = parent
        }
        entries[child] = entry
    }

    /// Puts `last` (the entry taken off the end) back from the root down.
    private mutating func siftDown(_ last: Entry) {
        var parent = 0
        let count = entries.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let child = right < count && entries[right].precedes(entries[left]) ? right : left
            guard entries[child].precedes(last) else { break }
            entries[parent] = entries[child]
            parent = child
        }
        entries[parent] = last
    }
}

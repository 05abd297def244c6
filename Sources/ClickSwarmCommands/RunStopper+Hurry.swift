import NIOConcurrencyHelpers
import Simulation

extension RunStopper {
    /// `work`'s result, or nil as soon as the run is hurried (a second signal): the work is left
    /// to finish on its own, so a push that hangs cannot hold the process after the user asked
    /// twice to stop.
    func unlessHurried<T: Sendable>(_ work: @escaping @Sendable () async -> T) async -> T? {
        if isHurried { return nil }
        let answered = NIOLockedValueBox(false)
        return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            @Sendable func answer(_ value: T?) {
                let first = answered.withLockedValue { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: value) }
            }
            Task { answer(await work()) }
            Task {
                while !answered.withLockedValue({ $0 }) {
                    if isHurried {
                        answer(nil)
                        return
                    }
                    try? await Task.sleep(nanoseconds: 50_000_000)
                }
            }
        }
    }
}

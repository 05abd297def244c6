import Dispatch
import Foundation
import NIOConcurrencyHelpers

/// Waits for the first of some process signals (SIGINT, SIGTERM), which stop their default action.
public enum ProcessSignals {
    /// Returns the signal that arrived.
    public static func waitForFirst(of signals: [Int32]) async -> Int32 {
        let sources = signals.map { number in
            signal(number, SIG_IGN)
            return (number, DispatchSource.makeSignalSource(signal: number, queue: .global()))
        }
        let received: Int32 = await withCheckedContinuation { continuation in
            let once = OnceFlag()
            for (number, source) in sources {
                source.setEventHandler {
                    if once.claim() { continuation.resume(returning: number) }
                }
                source.resume()
            }
        }
        for (number, source) in sources {
            source.cancel()
            signal(number, SIG_DFL)
        }
        return received
    }
}

/// True for the first caller only.
private final class OnceFlag: Sendable {
    private let claimed = NIOLockedValueBox(false)

    func claim() -> Bool {
        claimed.withLockedValue { value in
            defer { value = true }
            return !value
        }
    }
}

import ClickstreamSDK
import NIOCore
import NIOPosix
import RaccoonWire

/// A transport that never gets anywhere: `connect` reports nothing, `send` fails. The SDK stays
/// in its connecting state and keeps every event it is given.
final class SilentTransport: SDKTransport {
    func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {}
    func send(_ request: ByteBuffer) -> Bool { false }
    func close(code: Int, reason: String) {}
}

/// What the in-memory collectors of one event loop did: batches answered and the time spent
/// answering them (not the SDK's work, so it is taken out of the SDK's CPU time).
final class StubTally {
    var batches: UInt64 = 0
    var nanoseconds: UInt64 = 0
}

/// An in-memory collector: connects on the next loop tick, and answers every batch with an OK
/// `SendEventResponse` echoing its req_guid, also on the next tick (never from inside `send`).
/// It reads the req_guid (field 1) straight from the serialized request instead of decoding the
/// events, which the SDK never needs back.
final class EchoTransport: SDKTransport {
    private let eventLoop: any EventLoop
    private let tally: StubTally
    private var handler: ((TransportEvent) -> Void)?
    /// Counts connects, so that a stale tick of an earlier connection reports nothing.
    private var generation: UInt64 = 0
    private var open = false

    init(eventLoop: any EventLoop, tally: StubTally) {
        self.eventLoop = eventLoop
        self.tally = tally
    }

    func connect(headers: [(String, String)], handler: @escaping (TransportEvent) -> Void) {
        generation &+= 1
        let generation = self.generation
        self.handler = handler
        open = false
        eventLoop.assumeIsolated().execute { [weak self] in
            guard let self, self.generation == generation, let handler = self.handler else { return }
            self.open = true
            handler(.connected)
        }
    }

    func send(_ request: ByteBuffer) -> Bool {
        guard open else { return false }
        let start = monotonicNanoseconds()
        let requestGUID =
            request.withUnsafeReadableBytes { bytes in
                ProtoFieldScanner.lengthDelimitedField(1, in: bytes).map { String(decoding: $0, as: UTF8.self) }
            } ?? ""
        let response = SendEventResponse.make(status: .success, code: .ok, sentTime: 0, reqGUID: requestGUID)
        // Serializing a response built in memory cannot fail.
        let answer = ByteBuffer(bytes: (try? response.serializedBytes() as [UInt8]) ?? [])
        let generation = self.generation
        tally.batches += 1
        tally.nanoseconds += monotonicNanoseconds() - start
        eventLoop.assumeIsolated().execute { [weak self] in
            guard let self, self.open, self.generation == generation else { return }
            self.handler?(.received(answer))
        }
        return true
    }

    func close(code: Int, reason: String) {
        generation &+= 1
        open = false
        handler = nil
    }
}

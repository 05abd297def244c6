import Foundation
import NIOConcurrencyHelpers
import RaccoonWire

/// Where delivered events go (the publish step). Called on event loops: it must not block.
package protocol EventSink: Sendable {
    func publish(_ events: [RaccoonEvent])
    /// Writes out what is buffered; called at shutdown.
    func close()
    /// What it wrote and lost; `nil` for a sink that keeps nothing.
    var status: SinkStatus? { get }
}

/// Writes one JSON line per delivered event: its type, guid, size and the decoded contract
/// (protobuf JSON), or `null` when the type is not a ClickSwarm contract. Lines are buffered
/// under a lock and written by a background queue, so event loops never wait on the disk.
///
/// A failed write (a full disk, say) is counted, not ignored: the sink stops writing, counts
/// every line it could not write, and tells `onFailure` once, with the system's reason.
package final class NDJSONFileSink: EventSink {
    private let path: String
    private let descriptor: Int32
    private let buffer = NIOLockedValueBox<(bytes: [UInt8], lines: UInt64)>(([], 0))
    private let queue = DispatchQueue(label: "clickswarm.collector.ndjson")
    /// Written on `queue` only; read under the lock from anywhere.
    private let outcome: NIOLockedValueBox<SinkStatus>
    private let onFailure: @Sendable (String) -> Void
    private static let flushThreshold = 1 << 16

    package init(path: String, onFailure: @escaping @Sendable (String) -> Void = { _ in }) throws(CollectorError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .sinkUnavailable(path: path, reason: String(cString: strerror(errno)))
        }
        self.path = path
        self.descriptor = descriptor
        self.outcome = NIOLockedValueBox(SinkStatus(path: path))
        self.onFailure = onFailure
    }

    package var status: SinkStatus? { outcome.withLockedValue { $0 } }

    package func publish(_ events: [RaccoonEvent]) {
        var lines: [UInt8] = []
        for event in events { Self.appendLine(for: event, to: &lines) }
        let full: (bytes: [UInt8], lines: UInt64)? = buffer.withLockedValue { pending in
            pending.bytes.append(contentsOf: lines)
            pending.lines += UInt64(events.count)
            guard pending.bytes.count >= Self.flushThreshold else { return nil }
            defer { pending = ([], 0) }
            return pending
        }
        if let full { queue.async { self.write(full.bytes, lines: full.lines) } }
    }

    package func close() {
        let rest = buffer.withLockedValue { pending in
            defer { pending = ([], 0) }
            return pending
        }
        queue.sync {
            write(rest.bytes, lines: rest.lines)
            if Foundation.close(descriptor) != 0 { fail(reason: "close: \(Self.reason(errno))", unwritten: 0) }
        }
    }

    /// Writes one chunk of whole lines; runs on `queue`.
    private func write(_ bytes: [UInt8], lines: UInt64) {
        guard !bytes.isEmpty else { return }
        if outcome.withLockedValue({ $0.failed }) {
            outcome.withLockedValue { $0.linesDropped += lines }
            return
        }
        let failure: (offset: Int, errno: Int32)? = bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return (offset, errno)
                }
                offset += written
            }
            return nil
        }
        guard let failure else {
            outcome.withLockedValue { $0.linesWritten += lines }
            return
        }
        // Lines whose newline was not written are lost, the one cut in the middle included.
        let unwritten = UInt64(bytes[failure.offset...].lazy.filter { $0 == 0x0A }.count)
        outcome.withLockedValue { $0.linesWritten += lines - unwritten }
        fail(reason: Self.reason(failure.errno), unwritten: unwritten)
    }

    private func fail(reason: String, unwritten: UInt64) {
        let first = outcome.withLockedValue { status in
            status.writeErrors += 1
            status.linesDropped += unwritten
            guard status.firstError == nil else { return false }
            status.firstError = reason
            return true
        }
        if first { onFailure(reason) }
    }

    private static func reason(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }

    static func appendLine(for event: RaccoonEvent, to line: inout [UInt8]) {
        var writer = JSONWriter()
        writer.raw("{\"type\":")
        writer.string(event.type)
        writer.raw(",\"guid\":")
        var contractJSON = "null"
        var guid = ""
        if let contract = EventContracts.contract(forEventType: event.type),
            let message = try? contract.init(serializedBytes: event.eventBytes),
            let json = try? message.jsonString()
        {
            contractJSON = json
            guid = message.eventGuid
        } else if let field = event.eventBytes.withUnsafeBytes({ ProtoFieldScanner.lengthDelimitedField(1, in: $0) }),
            let text = String(validating: field, as: UTF8.self)
        {
            guid = text
        }
        writer.string(guid)
        writer.raw(",\"size\":\(event.eventBytes.count),\"contract\":")
        writer.raw(contractJSON)
        writer.raw("}\n")
        line.append(contentsOf: writer.bytes)
    }
}

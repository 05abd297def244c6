import Foundation
import NIOConcurrencyHelpers
import RaccoonWire

/// Where delivered events go (the publish step). Called on event loops: it must not block.
package protocol EventSink: Sendable {
    func publish(_ events: [RaccoonEvent])
    /// Writes out what is buffered; called at shutdown.
    func close()
}

/// Writes one JSON line per delivered event: its type, guid, size and the decoded contract
/// (protobuf JSON), or `null` when the type is not a ClickSwarm contract. Lines are buffered
/// under a lock and written by a background queue, so event loops never wait on the disk.
package final class NDJSONFileSink: EventSink {
    private let descriptor: Int32
    private let buffer = NIOLockedValueBox<[UInt8]>([])
    private let queue = DispatchQueue(label: "clickswarm.collector.ndjson")
    private static let flushThreshold = 1 << 16

    package init(path: String) throws(CollectorError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .sinkUnavailable(path: path, reason: String(cString: strerror(errno)))
        }
        self.descriptor = descriptor
    }

    package func publish(_ events: [RaccoonEvent]) {
        var lines: [UInt8] = []
        for event in events { Self.appendLine(for: event, to: &lines) }
        let full: [UInt8]? = buffer.withLockedValue { pending in
            pending.append(contentsOf: lines)
            guard pending.count >= Self.flushThreshold else { return nil }
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if let full { queue.async { [descriptor] in Self.write(full, to: descriptor) } }
    }

    package func close() {
        let rest = buffer.withLockedValue { pending in
            defer { pending.removeAll() }
            return pending
        }
        queue.sync {
            Self.write(rest, to: descriptor)
            _ = Foundation.close(descriptor)
        }
    }

    private static func write(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
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

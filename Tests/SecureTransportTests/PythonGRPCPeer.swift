import Foundation
import SwarmPrimitives
import Synchronization

/// `scripts/interop/grpc_interop.py`, an independent gRPC peer on Python's grpcio (compiled
/// from the project's raccoon.proto): a one-shot client, or a server whose output lines the
/// test reads as they come.
///
/// Needs python3 with grpcio, grpcio-tools and protobuf (`scripts/setup.sh --tests` installs
/// them); without them the tests fail with what to install, they do not skip.
final class PythonGRPCPeer {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/interop/grpc_interop.py").path

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs the client and returns its JSON line. The wait happens on a thread of its own, never
    /// on the cooperative pool: the collector's gRPC server needs that pool to answer.
    static func client(_ arguments: [String]) async throws -> [String: Any] {
        let (status, data, errorText) = try await BlockingThread.run("grpc_interop client") {
            try blockingClient(arguments)
        }
        guard status == 0, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(
                description: "grpc_interop.py client \(arguments) exited \(status)"
                    + (status == 2 ? " (pip install grpcio grpcio-tools protobuf)" : "") + ": \(errorText)")
        }
        return object
    }

    /// The client's exit status, standard output and standard error.
    private static func blockingClient(_ arguments: [String]) throws -> (Int32, Data, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "client"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, data, errorText)
    }

    private let process = Process()
    private let input = Pipe()
    private var iterator: AsyncStream<String>.AsyncIterator
    let port: Int

    /// Starts the server and waits for the line with its port.
    init() async throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "server", "--seconds", "120"]
        process.standardOutput = output
        process.standardInput = input
        process.standardError = FileHandle.standardError
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let buffer = LineBuffer(continuation)
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            buffer.append(data)
        }
        try process.run()
        var lines = stream.makeAsyncIterator()
        guard let first = await lines.next(),
            let object = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any],
            let port = object["port"] as? Int
        else {
            process.terminate()
            throw Failure(description: "grpc_interop.py server did not say its port (pip install grpcio grpcio-tools)")
        }
        self.port = port
        iterator = lines
    }

    /// The next call the server recorded.
    func nextCall() async throws -> [String: Any] {
        guard let line = await iterator.next(),
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw Failure(description: "grpc_interop.py server ended before recording a call") }
        return object
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// Splits the server's output into lines for the stream; the pipe's handler runs on its own
    /// queue, one call at a time, and only it touches the buffer.
    private final class LineBuffer: Sendable {
        private let continuation: AsyncStream<String>.Continuation
        private let pending = Mutex<[UInt8]>([])

        init(_ continuation: AsyncStream<String>.Continuation) { self.continuation = continuation }

        func append(_ data: Data) {
            if data.isEmpty {
                continuation.finish()
                return
            }
            let complete: [String] = pending.withLock { bytes in
                bytes += data
                var lines: [String] = []
                while let newline = bytes.firstIndex(of: 10) {
                    lines.append(String(decoding: bytes[..<newline], as: UTF8.self))
                    bytes.removeSubrange(...newline)
                }
                return lines
            }
            for line in complete { continuation.yield(line) }
        }
    }
}

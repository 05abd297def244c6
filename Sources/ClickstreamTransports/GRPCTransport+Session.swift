import ClickstreamSDK
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import RaccoonGRPC
import RaccoonWire
import Synchronization

/// One connection attempt of a `GRPCTransport`: its metadata, and once made its client.
/// Event-loop bound: only the transport touches it, on its loop.
final class GRPCSession {
    let metadata: Metadata
    var client: GRPCClient<HTTP2ClientTransport.WrappedChannel>?
    /// The collector's HTTP/2 preface arrived.
    var serverSpoke = false
    /// Runs the client's connection (`runConnections`) until the channel closes.
    var runner: Task<Void, Never>?

    init(metadata: Metadata) {
        self.metadata = metadata
    }

    /// Stops the deadline, the client (calls still running fail) and the channel.
    func end(_ attempt: GRPCTransport.Attempt) {
        attempt.abandon()
        client?.beginGracefulShutdown()
        client = nil
        runner?.cancel()
    }

    /// Connects through `connector`, sets up grpc-swift's HTTP/2 pipeline on the channel (behind
    /// `watcher`), and runs the client's connection; `made` and `failed` are called on `loop`.
    static func run(
        connector: any ChannelConnector, host: String, port: Int, loop: any EventLoop, timeout: TimeAmount,
        watcher: NIOLoopBound<PrefaceWatcher>,
        made: @escaping @Sendable (GRPCClient<HTTP2ClientTransport.WrappedChannel>, any Channel) -> Void,
        failed: @escaping @Sendable (TransportFailure) -> Void
    ) -> Task<Void, Never> {
        Task(executorPreference: EventLoopExecutor(loop)) {
            let configured = ConfiguredBox()
            let connectFailure = FailureBox()
            do {
                let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
                let wrapped = try await HTTP2ClientTransport.WrappedChannel.wrapping(
                    config: Self.wrappedConfig(authority: authority)
                ) { configure in
                    do {
                        _ = try await connector.connect(host: host, port: port, on: loop, timeout: timeout) { channel in
                            do {
                                try channel.pipeline.syncOperations.addHandler(watcher.value)
                            } catch {
                                return channel.eventLoop.makeFailedFuture(error)
                            }
                            return configure(channel).map { configured.set($0) }
                        }.get()
                    } catch {
                        // A pipeline set up for gRPC must be handed over even when the connect
                        // failed after it (a refused TLS handshake): the transport then winds its
                        // async channel down, which nothing else may do.
                        guard configured.value != nil else { throw error }
                        connectFailure.set(ConnectionWords.failure(for: error))
                    }
                    guard let channel = configured.value else {
                        throw TransportFailure.other("the gRPC pipeline was not set up")
                    }
                    return channel
                }
                if let failure = connectFailure.value {
                    try? await wrapped.connect()
                    loop.execute { failed(failure) }
                    return
                }
                let client = GRPCClient(transport: wrapped)
                let channel = configured.value?.channel
                loop.execute {
                    if let channel { made(client, channel) }
                }
                try await client.runConnections()
            } catch {
                let failure = ConnectionWords.failure(for: error)
                loop.execute { failed(failure) }
            }
        }
    }

    /// The `:authority` of the calls (a server may refuse calls without one), no idle timeout
    /// (the SDK decides when a connection ends) and no keepalive (the SDKs send none over gRPC).
    static func wrappedConfig(authority: String) -> HTTP2ClientTransport.WrappedChannel.Config {
        .defaults { config in
            config.http2.authority = authority
            config.connection.maxIdleTime = nil
            config.connection.keepalive = nil
        }
    }

    /// Runs one `SendEvent` with `request` as its serialized message; `done` gets what it means
    /// to the SDK, on `loop`.
    static func call(
        _ client: GRPCClient<HTTP2ClientTransport.WrappedChannel>, request: ByteBuffer, metadata: Metadata,
        timeout: TimeAmount, loop: any EventLoop, done: @escaping @Sendable (GRPCOutcome) -> Void
    ) {
        Task(executorPreference: EventLoopExecutor(loop)) {
            var options = CallOptions.defaults
            options.timeout = .nanoseconds(timeout.nanoseconds)
            let outcome: GRPCOutcome
            do {
                let answer = try await client.unary(
                    request: ClientRequest(message: request, metadata: metadata),
                    descriptor: Raystack_Raccoon_V1beta1_EventService.Method.SendEvent.descriptor,
                    serializer: RawMessage(), deserializer: RawMessage(), options: options
                ) { response in try response.message }
                outcome = .answer(answer)
            } catch let error as RPCError {
                outcome = GRPCOutcome(error, request: request)
            } catch {
                outcome = .disconnect("grpc: \(error)")
            }
            loop.execute { done(outcome) }
        }
    }

    /// Hands a connect failure from the channel factory to the task.
    final class FailureBox: Sendable {
        private let failure = Mutex<TransportFailure?>(nil)

        func set(_ value: TransportFailure) { failure.withLock { $0 = value } }

        var value: TransportFailure? { failure.withLock { $0 } }
    }

    /// Hands the configured channel from the pipeline set-up (on the loop) to the task.
    final class ConfiguredBox: Sendable {
        private let configured = Mutex<HTTP2ClientTransport.WrappedChannel.ConfiguredChannel?>(nil)

        func set(_ value: HTTP2ClientTransport.WrappedChannel.ConfiguredChannel) { configured.withLock { $0 = value } }

        var value: HTTP2ClientTransport.WrappedChannel.ConfiguredChannel? { configured.withLock { $0 } }
    }
}

/// What one call's outcome means to the SDK (the mapping table in README, "TLS and gRPC").
enum GRPCOutcome: Sendable, Equatable {
    /// A `SendEventResponse` for the SDK to read: the collector's own answer (status OK), or one
    /// made from a failed status (`errorAnswer`).
    case answer(ByteBuffer)
    /// Nothing for the SDK: its ack timer resends, as after a lost ack.
    case noAnswer
    /// The connection is gone: the SDK reconnects by its rules.
    case disconnect(String)

    init(_ error: RPCError, request: ByteBuffer) {
        switch error.code {
        case .deadlineExceeded, .cancelled:
            self = .noAnswer
        case .unavailable:
            self = .disconnect("grpc \(Self.name(error.code)): \(error.message)")
        default:
            self = .answer(Self.errorAnswer(error, request: request))
        }
    }

    /// `{STATUS_ERROR, CODE_BAD_REQUEST for INVALID_ARGUMENT else CODE_INTERNAL_ERROR, reason
    /// "grpc <STATUS>: <message>", data {req_guid}}`, so that each flavor's rule for an error
    /// answer applies (Android resends at once, iOS at its next check).
    static func errorAnswer(_ error: RPCError, request: ByteBuffer) -> ByteBuffer {
        let guid = request.withUnsafeReadableBytes { bytes in
            ProtoFieldScanner.lengthDelimitedField(1, in: bytes).map { String(decoding: $0, as: UTF8.self) }
        }
        let response = SendEventResponse.make(
            status: .error, code: error.code == .invalidArgument ? .badRequest : .internalError, sentTime: 0,
            reason: "grpc \(name(error.code)): \(error.message)", reqGUID: guid ?? "")
        let bytes: [UInt8] = (try? response.serializedBytes()) ?? []
        return ByteBuffer(bytes: bytes)
    }

    /// The status name as gRPC writes it (`UNAVAILABLE`).
    static func name(_ code: RPCError.Code) -> String {
        let names = [
            1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND",
            6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
            10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL", 14: "UNAVAILABLE",
            15: "DATA_LOSS", 16: "UNAUTHENTICATED",
        ]
        return names[code.rawValue] ?? "STATUS \(code.rawValue)"
    }
}

/// The bytes of a message as they are: the SDK serializes its requests and parses the answers.
struct RawMessage: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: ByteBuffer) throws -> Bytes {
        Bytes(message.readableBytesView)
    }

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> ByteBuffer {
        serializedMessageBytes.withUnsafeBytes { ByteBuffer(bytes: $0) }
    }
}

/// In front of grpc-swift's HTTP/2 handlers: tells the transport when the collector's preface
/// arrives (a SETTINGS frame; an HTTP/1 answer fails the attempt as `bad answer`) and when an
/// open connection ends, in ClickSwarm's words.
final class PrefaceWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private weak var transport: GRPCTransport?
    private let id: UInt64
    private var spoke = false
    private var failedWith: TransportFailure?

    init(transport: GRPCTransport, id: UInt64) {
        self.transport = transport
        self.id = id
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !spoke {
            let bytes = unwrapInboundIn(data)
            // An HTTP/2 frame header: 24-bit length, then the type; SETTINGS is 4.
            if bytes.readableBytes >= 4, bytes.getInteger(at: bytes.readerIndex + 3, as: UInt8.self) == 4 {
                spoke = true
                transport?.serverSpoke(id)
            } else {
                let line = bytes.readableBytesView.prefix { $0 != 13 && $0 != 10 }.prefix(80)
                let failure = TransportFailure.badAnswer(
                    "not an HTTP/2 server: \(String(decoding: line, as: UTF8.self).debugDescription)")
                failedWith = failure
                transport?.attemptFailed(id, failure)
                context.close(promise: nil)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if spoke {
            transport?.ended(id, reason: ConnectionWords.ending(for: error))
        } else if failedWith == nil {
            transport?.attemptFailed(id, ConnectionWords.failure(for: error))
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if spoke {
            transport?.ended(id, reason: ConnectionEnding.closedByCollector)
        } else if failedWith == nil {
            transport?.attemptFailed(id, .closedBeforeAnswer)
        }
        context.fireChannelInactive()
    }
}

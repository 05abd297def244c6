import ClickSwarmTestSupport
import ClickstreamSDK
import Collector
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import NIOEmbedded
import NIOPosix
import NIOSSL
import NIOTLS
import RaccoonGRPC
import RaccoonWire
import Testing

@testable import ClickstreamTransports

/// What each gRPC outcome means to the SDK, the collector's gRPC faults, and the TLS watcher's
/// words, on NIO's embedded channel where no socket is needed.
@Suite("gRPC status mapping and TLS words", .serialized)
struct GRPCMappingTests {
    @Test("every gRPC status maps to an answer, no answer or a disconnect")
    func statusTable() throws {
        let request = try TLSRefusalTests.batch("g-1")
        for code in [RPCError.Code.deadlineExceeded, .cancelled] {
            #expect(GRPCOutcome(RPCError(code: code, message: "x"), request: request) == .noAnswer)
        }
        #expect(
            GRPCOutcome(RPCError(code: .unavailable, message: "gone"), request: request)
                == .disconnect("grpc UNAVAILABLE: gone"))
        let answered: [(RPCError.Code, RaccoonCode)] = [
            (.invalidArgument, .badRequest), (.unknown, .internalError), (.internalError, .internalError),
            (.unauthenticated, .internalError), (.permissionDenied, .internalError),
            (.resourceExhausted, .internalError), (.unimplemented, .internalError),
        ]
        for (code, raccoon) in answered {
            guard case .answer(let bytes) = GRPCOutcome(RPCError(code: code, message: "m"), request: request) else {
                Issue.record("\(code) is not an answer")
                continue
            }
            let response = try SendEventResponse(serializedBytes: Array(bytes.readableBytesView))
            #expect(response.status == .error)
            #expect(response.code == raccoon)
            #expect(response.data["req_guid"] == "g-1")
            #expect(response.reason.hasPrefix("grpc \(GRPCOutcome.name(code)): "))
        }
    }

    static func collector(
        _ faults: FaultSettings, ackMode: CollectorConfiguration.AckMode = .immediate
    ) async throws -> CollectorServer {
        var configuration = CollectorConfiguration()
        configuration.ackMode = ackMode
        configuration.port = 0
        configuration.grpcPort = 0
        configuration.threads = 1
        configuration.faults = faults
        return try await CollectorServer.start(configuration: configuration)
    }

    static func transport(_ port: Int?, callTimeout: TimeAmount = .seconds(10))
        -> @Sendable (any EventLoop) -> any SDKTransport
    {
        { loop in
            GRPCTransport(
                host: "127.0.0.1", port: port ?? 0, eventLoop: loop, connector: BootstrapConnector(),
                connectTimeout: .seconds(5), callTimeout: callTimeout)
        }
    }

    @Test("a lost ack holds the call until the caller's deadline (grpc-swift's own client): DEADLINE_EXCEEDED")
    func lostAckHoldsTheCall() async throws {
        var faults = FaultSettings()
        faults.ackLossProbability = 1
        let server = try await Self.collector(faults)
        let port = try #require(server.grpcPort)
        var request = SendEventRequest()
        request.reqGuid = "lost"
        request.events = [RaccoonEvent()]
        // The client runs on an event loop, not the cooperative pool the rest of the suite keeps busy.
        let executor = EventLoopExecutor(MultiThreadedEventLoopGroup.singleton.next())
        let code = try await withTaskExecutorPreference(executor) {
            try await Self.heldCallCode(port: port, request: request)
        }
        #expect(code == .deadlineExceeded)
        let stats = try await server.stats()
        #expect(stats.batches.ackLost == 1)
        #expect(stats.events.delivered == 1)
        try await server.shutdown()
    }

    /// The status of a call the collector never answers, with a one-second deadline.
    static func heldCallCode(port: Int, request: SendEventRequest) async throws -> RPCError.Code? {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
        ) { client in
            let service = Raystack_Raccoon_V1beta1_EventService.Client(wrapping: client)
            var options = CallOptions.defaults
            options.timeout = .seconds(1)
            do {
                _ = try await service.sendEvent(request, metadata: ["x-user-id": "held"], options: options)
                return nil
            } catch let error as RPCError {
                return error.code
            }
        }
    }

    @Test("after-publish: an injected error is a gRPC OK carrying STATUS_ERROR; an outage fails the call UNAVAILABLE")
    func errorsAndOutage() async throws {
        var faults = FaultSettings()
        faults.errorProbability = 1
        let server = try await Self.collector(faults, ackMode: .afterPublish)
        let errored = try await TransportProbe.run(
            requests: [try TLSRefusalTests.batch("err")], answers: 1, Self.transport(server.grpcPort))
        let answer = try SendEventResponse(
            serializedBytes: Array(try #require(errored.received.first).readableBytesView))
        #expect(answer.status == .error && answer.code == .internalError)
        #expect(answer.reason == "cannot publish events: injected fault")
        faults.errorProbability = 0
        faults.outage = true
        try await server.setFaults(faults)
        let outage = try await TransportProbe.run(
            requests: [try TLSRefusalTests.batch("out")], answers: 1, Self.transport(server.grpcPort))
        if case .closed(_, let reason)? = outage.closed {
            #expect(reason.hasPrefix("grpc UNAVAILABLE"), "\(reason)")
        } else {
            #expect(outage.first != .connected, "\(outage)")
        }
        try await server.shutdown()
    }

    @Test("the TLS watcher: the handshake's end completes the connect; TLS errors become words")
    func handshakeWatcherOnEmbeddedChannel() throws {
        let channel = EmbeddedChannel()
        let handshake = channel.eventLoop.makePromise(of: Void.self)
        let verdict = TLSVerdictBox()
        try channel.pipeline.syncOperations.addHandler(TLSHandshakeWatcher(handshake: handshake, verdict: verdict))
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: "h2"))
        try handshake.futureResult.wait()

        let refused = EmbeddedChannel()
        let failed = refused.eventLoop.makePromise(of: Void.self)
        let expired = TLSVerdictBox()
        expired.set(.tlsCertificateExpired("CN=x is valid until yesterday"))
        try refused.pipeline.syncOperations.addHandler(TLSHandshakeWatcher(handshake: failed, verdict: expired))
        refused.pipeline.fireErrorCaught(NIOSSLError.handshakeFailed(.sslError([])))
        #expect(throws: TransportFailure.tlsCertificateExpired("CN=x is valid until yesterday")) {
            try failed.futureResult.wait()
        }
        #expect(throws: TransportFailure.self) { try refused.throwIfErrorCaught() }

        #expect(
            TLSHandshakeWatcher.failure(for: NIOSSLError.handshakeFailed(.sslError([])), verdict: nil)?.word
                == "tls: handshake failed")
        #expect(TLSHandshakeWatcher.failure(for: ChannelError.eof, verdict: nil) == nil)
        _ = try? channel.finish()
        _ = try? refused.finish()
    }
}

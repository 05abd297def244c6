import ClickSwarmTestSupport
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import Collector

@Suite("Admin endpoint access")
struct AdminAccessTests {
    static let token = AdminToken("s3cret-token-0123456789")

    static func address(_ ip: String) -> SocketAddress { try! SocketAddress(ipAddress: ip, port: 40_000) }

    @Test(
        "without a token, loopback peers only",
        arguments: [
            ("127.0.0.1", true), ("127.9.8.7", true), ("::1", true), ("::ffff:127.0.0.1", true),
            ("10.1.2.3", false), ("192.168.1.9", false), ("::ffff:10.0.0.1", false), ("2001:db8::1", false),
        ])
    func loopbackOnly(ip: String, allowed: Bool) {
        let decision = AdminAccess.decide(peer: Self.address(ip), authorization: nil, token: nil)
        if allowed {
            #expect(decision == .allowed)
        } else {
            #expect(
                decision
                    == .forbidden(
                        "/admin/faults answers loopback clients only; start the collector with --admin-token to allow others"
                    ))
        }
        #expect(AdminAccess.decide(peer: nil, authorization: nil, token: nil) != .allowed)
    }

    @Test("with a token, the bearer token is required from everyone, loopback included")
    func tokenRequired() {
        let loopback = Self.address("127.0.0.1")
        let remote = Self.address("10.1.2.3")
        #expect(
            AdminAccess.decide(peer: loopback, authorization: nil, token: Self.token)
                == .unauthorized("/admin/faults needs the header Authorization: Bearer <admin token>"))
        #expect(
            AdminAccess.decide(peer: remote, authorization: "Basic czNjcmV0", token: Self.token)
                == .unauthorized("/admin/faults needs the header Authorization: Bearer <admin token>"))
        #expect(
            AdminAccess.decide(peer: remote, authorization: "Bearer s3cret-token-012345678", token: Self.token)
                == .forbidden("the admin token is not the collector's"))
        #expect(
            AdminAccess.decide(peer: remote, authorization: "Bearer s3cret-token-0123456789", token: Self.token)
                == .allowed)
        #expect(
            AdminAccess.decide(peer: loopback, authorization: "bearer s3cret-token-0123456789", token: Self.token)
                == .allowed)
    }

    @Test("the token compares every byte, never prints itself, and must be long enough")
    func tokenItself() throws {
        let token = Self.token
        #expect(token.matches(Array("s3cret-token-0123456789".utf8)))
        #expect(!token.matches(Array("s3cret-token-0123456780".utf8)))
        #expect(!token.matches(Array("s3cret-token-0123456789x".utf8)))
        // A length that differs by 256 must not wrap around to "equal".
        #expect(!token.matches(Array(("s3cret-token-0123456789" + String(repeating: "\0", count: 256)).utf8)))
        #expect(!"\(token)".contains("s3cret"))
        #expect(!String(reflecting: token).contains("s3cret"))
        var configuration = CollectorConfiguration()
        configuration.adminToken = AdminToken("short")
        #expect(throws: CollectorError.invalidConfiguration("the admin token must be at least 16 characters long")) {
            try configuration.validate()
        }
        configuration.adminToken = AdminToken("a token with spaces in it")
        #expect(throws: CollectorError.self) { try configuration.validate() }
        #expect(CollectorServer.isLoopback(host: "localhost"))
        #expect(CollectorServer.isLoopback(host: "::1"))
        #expect(!CollectorServer.isLoopback(host: "0.0.0.0"))
    }

    @Test("a peer that is not loopback gets 403 with a JSON error (embedded channel, virtual peer)")
    func remotePeerOnEmbeddedChannel() throws {
        let loop = EmbeddedEventLoop()
        let configuration = CollectorConfiguration()
        let shard = CollectorShard(core: CollectorCore(configuration: configuration, stream: 0, sink: nil))
        let box = NIOLoopBoundBox.makeBoxSendingValue(shard, as: CollectorShard.self, eventLoop: loop)
        let shared = CollectorServer.SharedState(
            configuration: configuration, shards: [ObjectIdentifier(loop): box], sink: nil,
            logger: Logger(label: "test"))
        let channel = EmbeddedChannel(handler: HTTPRequestHandler(shared: shared), loop: loop)
        try channel.connect(to: Self.address("10.1.2.3")).wait()
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/admin/faults")
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: #"{"outage":true}"#)))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        guard case .head(let response) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(response.status == .forbidden)
        guard case .body(.byteBuffer(let body)) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("no response body")
            return
        }
        #expect(String(buffer: body).hasPrefix(#"{"error":"/admin/faults answers loopback clients only"#))
        #expect(shared.faults.withLockedValue { $0.outage } == false)
        _ = try channel.finish()
    }

    @Test("over loopback with --admin-token: 401 without it, 403 with a wrong one, 200 with the right one")
    func tokenOverLoopback() async throws {
        try await withCollector({ $0.adminToken = Self.token }) { server in
            let missing = try await HTTPTestClient.request(.GET, "/admin/faults", port: server.port)
            #expect(missing.status == .unauthorized)
            #expect(missing.headers.first(name: "WWW-Authenticate") == #"Bearer realm="clickswarm-admin""#)
            #expect(missing.text.hasPrefix(#"{"error":"#))
            let wrong = try await HTTPTestClient.request(
                .POST, "/admin/faults", port: server.port, headers: [("Authorization", "Bearer nope-nope-nope-nope")],
                body: Array(#"{"outage":true}"#.utf8))
            #expect(wrong.status == .forbidden)
            #expect(server.faults.outage == false)
            let right = try await HTTPTestClient.request(
                .POST, "/admin/faults", port: server.port,
                headers: [("Authorization", "Bearer s3cret-token-0123456789")], body: Array(#"{"ack_loss":0.5}"#.utf8))
            #expect(right.status == .ok)
            #expect(server.faults.ackLossProbability == 0.5)
            // The other endpoints are not guarded.
            #expect(try await HTTPTestClient.request(.GET, "/stats", port: server.port).status == .ok)
        }
    }
}

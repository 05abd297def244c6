import NIOCore

/// Who may use `/admin/faults`: without a token, loopback peers only; with one, whoever sends
/// `Authorization: Bearer <token>` (loopback peers too). Pure, so it is tested without sockets.
package enum AdminAccess {
    package enum Decision: Equatable, Sendable {
        case allowed
        /// 401: no usable credentials; the answer asks for a bearer token.
        case unauthorized(String)
        /// 403: the peer or the token is not accepted.
        case forbidden(String)
    }

    package static func decide(peer: SocketAddress?, authorization: String?, token: AdminToken?) -> Decision {
        guard let token else {
            return isLoopback(peer)
                ? .allowed
                : .forbidden(
                    "/admin/faults answers loopback clients only; start the collector with --admin-token to allow "
                        + "others")
        }
        guard let authorization, authorization.utf8.count > 7,
            authorization.prefix(7).lowercased() == "bearer "
        else {
            return .unauthorized("/admin/faults needs the header Authorization: Bearer <admin token>")
        }
        let presented = authorization.utf8.dropFirst(7)
        return token.matches(presented) ? .allowed : .forbidden("the admin token is not the collector's")
    }

    /// 127.0.0.0/8, ::1, and IPv4-mapped 127.x; a Unix socket counts as local.
    package static func isLoopback(_ address: SocketAddress?) -> Bool {
        switch address {
        case .v4(let v4)?:
            return UInt32(bigEndian: v4.address.sin_addr.s_addr) >> 24 == 127
        case .v6(let v6)?:
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes == [UInt8](repeating: 0, count: 15) + [1] { return true }
            return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
        case .unixDomainSocket?:
            return true
        case nil:
            return false
        }
    }

    /// Whether `host` (as given to `--host`) is a loopback address or `localhost`.
    package static func isLoopback(host: String) -> Bool {
        if host == "localhost" { return true }
        return isLoopback(try? SocketAddress(ipAddress: host, port: 0))
    }
}

import Glibc

/// Keeps a downed mock broker's port from being taken while it is down.
///
/// librdkafka 2.0.2's `rd_kafka_mock_broker_set_down` closes the broker's listening socket and
/// `set_up` binds a new one on the same port, asserting (aborting the process) when it cannot.
/// While the broker is down its port is free, and the kernel hands free ports to anyone binding
/// port 0 or connecting out: under a busy test suite one was taken, and `set_up` aborted the whole
/// test process. A socket bound (not listening) to the port holds it: the kernel skips ports with
/// a bound socket when it picks ephemeral ones. It is released just before `set_up`.
final class PortHold: Sendable {
    private let descriptor: Int32

    /// Binds 127.0.0.1 at `port`; nil when it is taken already (`set_up` then fails as it would
    /// have without the hold).
    init?(port: UInt16) {
        guard let descriptor = Self.bind(port) else { return nil }
        self.descriptor = descriptor
    }

    deinit { _ = Glibc.close(descriptor) }

    /// The ports of `host:port[,host:port...]`.
    static func ports(of bootstrapServers: String) -> [UInt16] {
        bootstrapServers.split(separator: ",").compactMap { server in
            server.split(separator: ":").last.flatMap { UInt16($0) }
        }
    }

    private static func bind(_ port: UInt16) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        // The old listener's connections may sit in TIME_WAIT on this port.
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                Glibc.bind(descriptor, generic, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            _ = Glibc.close(descriptor)
            return nil
        }
        return descriptor
    }
}

import ClickstreamSDK
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#endif

/// Turns the errors SwiftNIO and the system raise into ClickSwarm's words for a connection that
/// failed (`TransportFailure`) or ended (`ConnectionEnding`), so that reports never carry a
/// library's dump (`SingleConnectionFailure(target: [IPv4]...)`): results/README.md lists the
/// words.
package enum ConnectionWords {
    /// Why a connect (or its upgrade) failed, with the system's words as the detail.
    package static func failure(for error: any Error) -> TransportFailure {
        switch error {
        case let failure as TransportFailure:
            return failure
        case let drop as any DeliberateDrop:
            return .unreachable("\(drop)")
        case ChannelError.connectTimeout:
            return .timeout
        case let error as NIOConnectionError:
            return connectionError(error)
        case let error as IOError:
            return failure(errno: error.errnoCode, detail: strerror(error.errnoCode))
        case ChannelError.ioOnClosedChannel, ChannelError.eof, ChannelError.alreadyClosed:
            return .closedBeforeAnswer
        case is NIOSSLError, is NIOSSLExtraError:
            return TLSHandshakeWatcher.failure(for: error, verdict: nil) ?? .tlsHandshakeFailed("\(error)")
        default:
            return .other("\(error)")
        }
    }

    /// How an open connection ended without a close frame.
    package static func ending(for error: any Error) -> String {
        switch error {
        case is any DeliberateDrop:
            return ConnectionEnding.dropped
        case let error as IOError where [ECONNRESET, EPIPE, ECONNABORTED].contains(error.errnoCode):
            return ConnectionEnding.reset
        case ChannelError.eof, NIOSSLError.uncleanShutdown:
            return ConnectionEnding.closedByCollector
        default:
            return "error"
        }
    }

    /// The happy-eyeballs connector's error: DNS, or the first address's failure.
    private static func connectionError(_ error: NIOConnectionError) -> TransportFailure {
        let place = "\(error.host):\(error.port)"
        if let first = error.connectionErrors.first {
            if let io = first.error as? IOError {
                return failure(errno: io.errnoCode, detail: "\(place): \(strerror(io.errnoCode))")
            }
            if case ChannelError.connectTimeout = first.error { return .timeout }
            return .other("\(place): \(first.error)")
        }
        if error.dnsAError != nil || error.dnsAAAAError != nil {
            return .dns("\(error.host) does not resolve")
        }
        return .other("\(place): no address to connect to")
    }

    private static func failure(errno code: Int32, detail: String) -> TransportFailure {
        switch code {
        case ECONNREFUSED: return .refused(detail)
        case EHOSTUNREACH, ENETUNREACH, ENETDOWN, EHOSTDOWN: return .unreachable(detail)
        case ECONNRESET, EPIPE, ECONNABORTED: return .reset(detail)
        case ETIMEDOUT: return .timeout
        default: return .other(detail)
        }
    }

    private static func strerror(_ code: Int32) -> String {
        String(cString: Glibc.strerror(code))
    }
}

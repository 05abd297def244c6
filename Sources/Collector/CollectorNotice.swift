/// Something the operator should hear about while the collector runs. The library logs these at
/// debug only; the application decides how to show them (`clickswarm collector` prints a
/// warning line for each).
public enum CollectorNotice: Sendable, Equatable, CustomStringConvertible {
    /// The NDJSON sink's first failed write; later ones are only counted.
    case sinkFailed(path: String, reason: String)
    /// `accept` failed for lack of file descriptors (or memory): the collector stops accepting
    /// for `backoffSeconds`, then tries again. Said once per episode.
    case acceptBackingOff(reason: String, backoffSeconds: Double)
    /// Accepting works again after `failures` failed attempts.
    case acceptRecovered(failures: UInt64)

    public var description: String {
        switch self {
        case .sinkFailed(let path, let reason):
            return "the NDJSON sink \(path) failed: \(reason); its later lines are dropped and counted"
        case .acceptBackingOff(let reason, let seconds):
            return "cannot accept connections: \(reason); retrying every \(seconds) s (raise the open-file limit "
                + "with ulimit -n, or lower --max-connections)"
        case .acceptRecovered(let failures):
            return "accepting connections again after \(failures) failed attempts"
        }
    }
}

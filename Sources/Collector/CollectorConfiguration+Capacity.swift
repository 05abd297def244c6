extension CollectorConfiguration {
    /// The largest `maxEventsPerSecond` accepted: far beyond what one collector reads, and small
    /// enough that the bucket's arithmetic stays exact.
    public static let largestEventRate = 1e9

    /// Checks the ingest throttle's limit.
    func validateThrottle() throws(CollectorError) {
        guard let maxEventsPerSecond else { return }
        guard maxEventsPerSecond.isFinite, maxEventsPerSecond >= 1, maxEventsPerSecond <= Self.largestEventRate else {
            throw .invalidConfiguration(
                "max events per second must be from 1 to 1000000000, not \(maxEventsPerSecond)")
        }
        guard grpcPort == nil else {
            throw .invalidConfiguration(
                "max events per second holds WebSocket and REST reads; gRPC reads are not throttled yet, so a limit "
                    + "with a gRPC port would not be the collector's capacity: drop one of them")
        }
    }
}

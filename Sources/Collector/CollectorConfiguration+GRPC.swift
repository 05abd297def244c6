extension CollectorConfiguration {
    /// The gRPC port must be a port, and another than the HTTP port.
    func validateGRPC() throws(CollectorError) {
        guard let grpcPort else { return }
        guard (0...65_535).contains(grpcPort) else {
            throw .invalidConfiguration("gRPC port \(grpcPort) is outside 0-65535")
        }
        guard grpcPort == 0 || grpcPort != port else {
            throw .invalidConfiguration("the gRPC port must differ from the HTTP port (\(port))")
        }
    }
}

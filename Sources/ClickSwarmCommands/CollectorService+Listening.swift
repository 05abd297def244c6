import Collector

extension CollectorService {
    /// The line that says where the collector listens: `https://` and `wss://` with TLS, and the
    /// gRPC port when it serves one.
    static func listening(_ server: CollectorServer, _ configuration: CollectorConfiguration) -> String {
        let base = "\(server.host.contains(":") ? "[\(server.host)]" : server.host):\(server.port)"
        let secure = configuration.tls != nil
        let http = secure ? "https" : "http"
        let ws = secure ? "wss" : "ws"
        let grpc = server.grpcPort.map { port in
            let host = server.host.contains(":") ? "[\(server.host)]" : server.host
            return "; gRPC \(secure ? "grpcs" : "grpc")://\(host):\(port) (EventService/SendEvent)"
        }
        return "collector listening on \(http)://\(base) (WebSocket \(ws)://\(base)/api/v1/events, REST POST "
            + "/api/v1/events, /ping, /stats, /metrics, /admin/faults)\(grpc ?? ""); ack mode "
            + "\(configuration.ackMode.rawValue); Ctrl-C to stop"
    }
}

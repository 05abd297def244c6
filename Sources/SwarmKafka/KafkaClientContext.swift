internal import CRdKafka
import Logging
import NIOConcurrencyHelpers

/// What librdkafka's C callbacks reach through a handle's opaque pointer (`rd_kafka_opaque`):
/// where log lines go, and the last error the client heard from or about its brokers, which
/// error messages quote because it says why ("Connection refused", "Failed to resolve").
///
/// ``KafkaHandle`` retains one for the handle's whole life and releases it after
/// `rd_kafka_destroy` has returned, so a callback never sees a released context.
final class KafkaClientContext: Sendable {
    private struct BrokerError {
        var reason: String
        var at: ContinuousClock.Instant
    }

    private struct Errors {
        /// The last error other than "all brokers are down" (a connect or transport failure).
        var specific: BrokerError?
        /// The last "N/N brokers are down", which says less: quoted only without a specific one.
        var allDown: BrokerError?
    }

    let bootstrapServers: String
    let logger: Logger?
    private let errors = NIOLockedValueBox(Errors())

    init(bootstrapServers: String, logger: Logger?) {
        self.bootstrapServers = bootstrapServers
        self.logger = logger
    }

    func record(_ code: KafkaErrorCode, reason: String) {
        let error = BrokerError(reason: reason.isEmpty ? code.description : reason, at: .now)
        errors.withLockedValue { errors in
            if code == .allBrokersDown { errors.allDown = error } else { errors.specific = error }
        }
    }

    /// The last broker error's text, as librdkafka gave it.
    var lastBrokerErrorReason: String? {
        errors.withLockedValue { ($0.specific ?? $0.allDown)?.reason }
    }

    /// The last broker error with its age, e.g. "...: Connection refused (300 ms earlier)".
    var lastBrokerError: String? {
        guard let error = errors.withLockedValue({ $0.specific ?? $0.allDown }) else { return nil }
        return "\(error.reason) (\((ContinuousClock.now - error.at).kafkaText) earlier)"
    }

    /// Installs the error and log callbacks on `conf`, whose opaque must be this context.
    static func installCallbacks(on conf: OpaquePointer) {
        rd_kafka_conf_set_error_cb(conf) { _, error, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<KafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            context.record(KafkaErrorCode(rawValue: error), reason: reason.map { String(cString: $0) } ?? "")
        }
        // librdkafka logs from its own threads, at once (without a log callback it writes to
        // stderr). A broker thread logs each connection failure as "FAIL", so the reason is known
        // here even when no one serves the error callbacks' queue (a consumer blocked in a request).
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, line in
            guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
            let context = Unmanaged<KafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
            let message = line.map { String(cString: $0) } ?? ""
            let facilityName = facility.map { String(cString: $0) } ?? ""
            if facilityName == "FAIL" { context.record(.transport, reason: KafkaClientContext.withoutThread(message)) }
            // At debug (librdkafka's own debug lines at trace), with librdkafka's level beside: what
            // matters to a user reaches delivery reports and `KafkaError`s, and the caller decides
            // what to show (a broker outage on purpose would otherwise fill the terminal).
            context.logger?.log(
                level: level >= 7 ? .trace : .debug, "\(message)",
                metadata: [
                    "rdkafka": "\(facilityName)", "rdkafka_level": "\(KafkaClientContext.levelName(syslog: level))",
                ])
        }
    }

    /// The line without the "[thrd:NAME]: " that librdkafka puts before some log lines.
    private static func withoutThread(_ line: String) -> String {
        guard line.hasPrefix("[thrd:"), let end = line.range(of: "]: ") else { return line }
        return String(line[end.upperBound...])
    }

    /// The syslog level's name, as librdkafka means it.
    static func levelName(syslog level: Int32) -> String {
        switch level {
        case ...2: "critical"
        case 3: "error"
        case 4: "warning"
        case 5: "notice"
        case 6: "info"
        default: "debug"
        }
    }
}

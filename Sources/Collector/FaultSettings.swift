import RaccoonWire
import SwarmPrimitives

/// Faults the collector injects, set by flags at start and changed while running through
/// `POST /admin/faults`.
public struct FaultSettings: Sendable, Equatable {
    /// Extra delay before each answer.
    public var ackDelay: Distribution = .zero
    /// Probability that a batch is accepted (and counted as delivered) but never answered.
    public var ackLossProbability: Double = 0
    /// Probability that a batch is answered `STATUS_ERROR`/`CODE_INTERNAL_ERROR` and not delivered.
    public var errorProbability: Double = 0
    /// While on, every connection is closed and new ones are refused.
    public var outage: Bool = false
    /// While on, batches are held (and their connections stop being read) until it is turned off,
    /// as Raccoon's reader blocks on a full publish buffer.
    public var publishStall: Bool = false

    public init() {}

    /// An error in a fault update: which key and what is wrong with it.
    public struct UpdateError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    static let keys = ["ack_delay", "ack_loss", "error_rate", "outage", "publish_stall"]

    /// Applies a JSON object such as `{"ack_loss": 0.05, "outage": true}`; keys left out keep
    /// their value. Nothing changes unless the whole update is valid.
    public mutating func apply(json bytes: some Collection<UInt8>) throws(UpdateError) {
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw UpdateError(message: "fault update is not valid JSON: \(error)")
        }
        guard case .object(let members) = root else {
            throw UpdateError(
                message: "fault update must be a JSON object with keys \(Self.keys.joined(separator: ", "))")
        }
        var updated = self
        for (key, value) in members {
            switch key {
            case "ack_delay":
                guard case .string(let text) = value else {
                    throw UpdateError(message: "ack_delay must be a string such as \"uniform(10ms,50ms)\"")
                }
                do {
                    updated.ackDelay = try Distribution(parsing: text, as: .duration)
                } catch {
                    throw UpdateError(message: "ack_delay: \(error)")
                }
            case "ack_loss":
                updated.ackLossProbability = try Self.probability(value, key: key)
            case "error_rate":
                updated.errorProbability = try Self.probability(value, key: key)
            case "outage":
                updated.outage = try Self.flag(value, key: key)
            case "publish_stall":
                updated.publishStall = try Self.flag(value, key: key)
            default:
                throw UpdateError(message: "unknown fault '\(key)'; known: \(Self.keys.joined(separator: ", "))")
            }
        }
        self = updated
    }

    private static func probability(_ value: JSONValue, key: String) throws(UpdateError) -> Double {
        guard case .number(let literal) = value, let number = Double(literal), (0...1).contains(number) else {
            throw UpdateError(message: "\(key) must be a probability from 0 to 1")
        }
        return number
    }

    private static func flag(_ value: JSONValue, key: String) throws(UpdateError) -> Bool {
        guard case .bool(let flag) = value else { throw UpdateError(message: "\(key) must be true or false") }
        return flag
    }

    /// The settings as the JSON object `GET /admin/faults` and `/stats` show.
    public var json: String {
        var writer = JSONWriter()
        writer.raw("{\"ack_delay\":")
        writer.string(ackDelay.durationText)
        writer.raw(",\"ack_loss\":\(ackLossProbability),\"error_rate\":\(errorProbability)")
        writer.raw(",\"outage\":\(outage),\"publish_stall\":\(publishStall)}")
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

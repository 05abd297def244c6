/// Which real SDK a simulated device behaves like (../shared/spec/clickstream-sdk.md).
public enum SDKFlavor: String, Sendable, Hashable, CaseIterable, Codable {
    case ios
    case android
}

/// The classes an event can be in: `instant` is fire-and-forget (QoS0), the others are stored,
/// batched and retried; `internal` carries the SDK's own health events. On Android every class
/// but `instant` behaves as `realTime` (`CSEventProcessor.kt:51-56`); on iOS a class is batched
/// only if it is a configured priority (`realTime` by default), `P0` is sent at once.
public enum EventClass: Hashable, Sendable, CustomStringConvertible, Codable {
    case instant
    case realTime
    case standard
    case `internal`
    /// A configured priority beyond the standard ones, by name (`P0`, say).
    case priority(String)

    public var description: String {
        switch self {
        case .instant: return "instant"
        case .realTime: return "realTime"
        case .standard: return "standard"
        case .internal: return "internal"
        case .priority(let name): return name
        }
    }

    public init(name: String) {
        switch name {
        case "instant": self = .instant
        case "realTime", "realtime": self = .realTime
        case "standard": self = .standard
        case "internal": self = .internal
        default: self = .priority(name)
        }
    }

    /// Stored, batched and retried (everything but `instant`).
    public var isStored: Bool { self != .instant }
}

/// The network a device is on, with the iOS keepalive factor for it.
public enum NetworkKind: String, Sendable, Hashable, CaseIterable, Codable {
    case wifi
    case cellular4G = "4g"
    case cellular3G = "3g"
    case cellular2G = "2g"

    /// iOS multiplies its keepalive tick by this (wifi 1, 4g 1.3, 3g 1.6, 2g 2.2;
    /// `NetworkReachability.swift:83-98`).
    public var keepaliveFactor: Double {
        switch self {
        case .wifi: return 1
        case .cellular4G: return 1.3
        case .cellular3G: return 1.6
        case .cellular2G: return 2.2
        }
    }
}

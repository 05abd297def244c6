import SwiftProtobuf

public typealias AppOpened = Clickswarm_Events_V1_AppOpened
public typealias ScreenView = Clickswarm_Events_V1_ScreenView
public typealias ButtonClick = Clickswarm_Events_V1_ButtonClick
public typealias SearchEvent = Clickswarm_Events_V1_Search
public typealias AdImpression = Clickswarm_Events_V1_AdImpression
public typealias AdClick = Clickswarm_Events_V1_AdClick
public typealias OrderPlaced = Clickswarm_Events_V1_OrderPlaced
public typealias PaymentCompleted = Clickswarm_Events_V1_PaymentCompleted
public typealias HealthEvent = Clickswarm_Events_V1_Health
public typealias EventContext = Clickswarm_Events_V1_Context

/// A typed event contract, as an app hands it to the Clickstream SDK: it carries its own guid,
/// timestamp and context (fields 1, 2 and 3 of every ClickSwarm contract).
public protocol EventContract: SwiftProtobuf.Message, Sendable {
    /// The contract's name, as the iOS SDK lowercases it into the Raccoon event type.
    static var contractName: String { get }
    var eventGuid: String { get set }
    var eventTimestamp: ProtoTimestamp { get set }
    var context: EventContext { get set }
}

extension AppOpened: EventContract { public static var contractName: String { "AppOpened" } }
extension ScreenView: EventContract { public static var contractName: String { "ScreenView" } }
extension ButtonClick: EventContract { public static var contractName: String { "ButtonClick" } }
extension SearchEvent: EventContract { public static var contractName: String { "Search" } }
extension AdImpression: EventContract { public static var contractName: String { "AdImpression" } }
extension AdClick: EventContract { public static var contractName: String { "AdClick" } }
extension OrderPlaced: EventContract { public static var contractName: String { "OrderPlaced" } }
extension PaymentCompleted: EventContract { public static var contractName: String { "PaymentCompleted" } }
extension HealthEvent: EventContract { public static var contractName: String { "Health" } }

/// The contracts ClickSwarm knows, and how Raccoon event types map to them.
public enum EventContracts {
    public static let all: [any EventContract.Type] = [
        AppOpened.self, ScreenView.self, ButtonClick.self, SearchEvent.self, AdImpression.self, AdClick.self,
        OrderPlaced.self, PaymentCompleted.self, HealthEvent.self,
    ]

    /// The Raccoon event type the SDKs give a contract: `<appPrefix>-<lowercased contract name>`
    /// with a prefix (iOS), the lowercased name without one (Android, and iOS with none set:
    /// `EventProcessor.swift:80-84`).
    public static func eventType(for contract: any EventContract.Type, appPrefix: String) -> String {
        appPrefix.isEmpty ? contract.contractName.lowercased() : "\(appPrefix)-\(contract.contractName.lowercased())"
    }

    /// The contract behind a Raccoon event type (the part after the last `-`, case-insensitive),
    /// or `nil` for a type ClickSwarm does not know.
    public static func contract(forEventType type: String) -> (any EventContract.Type)? {
        let name = type.split(separator: "-").last.map { $0.lowercased() } ?? ""
        return all.first { $0.contractName.lowercased() == name }
    }
}

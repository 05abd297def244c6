import Foundation

/// How the battery reads in a device timeline's details.
extension BatteryModel {
    /// The level to a tenth of a percent, and whether it is charging.
    var timelineDetails: [String: String] {
        ["battery": String(format: "%.1f%%", level), "charging": "\(charging)"]
    }
}

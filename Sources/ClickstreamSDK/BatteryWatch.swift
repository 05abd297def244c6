/// Whether the SDK considers the battery low, by its flavor's rule; both state machines keep one
/// so that they agree without asking each other.
///
/// - Android reads the battery at each use (`CSBatteryStatusObserver.kt:30-50`): low is below the
///   minimum and not charging.
/// - iOS keeps an `isDeviceLowOnPower` flag that starts `false` and is recomputed only when the
///   level or the state changes (`DeviceStatusNotifier.swift:42-53,83-96`): an app launched at 5%
///   runs normally until the battery changes.
struct BatteryWatch: Sendable, Equatable {
    let rule: DeliveryPolicy.Battery
    let minimum: Double
    private var conditions: DeviceConditions
    private var flag = false

    init(rule: DeliveryPolicy.Battery, minimum: Double, conditions: DeviceConditions) {
        self.rule = rule
        self.minimum = minimum
        self.conditions = conditions
    }

    var low: Bool {
        switch rule {
        case .skipBatchAtTick: return conditions.batteryLow(minimum: minimum)
        case .lowOnNotification: return flag
        }
    }

    /// The phone's conditions changed; true when `low` changed.
    mutating func update(_ new: DeviceConditions) -> Bool {
        let before = low
        let notified = new.batteryLevel != conditions.batteryLevel || new.charging != conditions.charging
        conditions = new
        if notified { flag = new.batteryLow(minimum: minimum) }
        return low != before
    }
}

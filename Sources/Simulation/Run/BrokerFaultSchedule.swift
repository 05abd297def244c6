import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import SwarmKafka

/// The `broker_down` windows of a scenario as steps over time: at every window boundary, whether
/// the run's own broker (`collector.kafka: local`) is down then.
struct BrokerFaultSchedule: Sendable, Equatable {
    struct Step: Sendable, Equatable {
        /// Seconds from the start.
        var at: Double
        var down: Bool
    }

    let steps: [Step]

    init(_ windows: [Scenario.FaultWindow]) {
        let outages = windows.filter(\.brokerDown)
        let boundaries = Set(outages.flatMap { [$0.start, $0.end] }).sorted()
        var steps: [Step] = []
        for time in boundaries {
            let down = outages.contains { $0.start <= time && time < $0.end }
            if steps.last?.down != down, !(steps.isEmpty && !down) { steps.append(Step(at: time, down: down)) }
        }
        self.steps = steps
    }

    /// Takes the broker down and up at each step's time, on Dispatch's timers (not Swift
    /// concurrency's pool, whose few threads a busy process can hold for seconds); cancel the
    /// returned playback to stop what has not happened yet.
    func play(on broker: KafkaMockCluster, start: NIODeadline) -> BrokerFaultPlayback {
        let playback = BrokerFaultPlayback()
        for step in steps {
            let wait = (start + DeviceTime.amount(step.at)) - .now()
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(max(0, wait.nanoseconds)))) {
                guard !playback.isCancelled else { return }
                if step.down { try? broker.setBrokerDown() } else { try? broker.setBrokerUp() }
            }
        }
        return playback
    }
}

/// A broker fault schedule being played; `cancel` drops the steps still to come.
final class BrokerFaultPlayback: Sendable {
    private let cancelled = NIOLockedValueBox(false)

    var isCancelled: Bool { cancelled.withLockedValue { $0 } }

    func cancel() { cancelled.withLockedValue { $0 = true } }
}

import ClickstreamSDK
import NIOCore
import SwarmPrimitives

/// A device's hold on its link: the profile its next connections get, and the live connection
/// to drop. The device keeps one, and its `ConditionedSocketConnector` shares it.
///
/// Bound to the device's event loop: every property and method must be used there (checked).
package final class LinkHandle: Sendable {
    private struct State {
        var profile: LinkProfile
        let seed: UInt64
        var connections: UInt64 = 0
        weak var conditioner: LinkConditioner?
        var timers: (any SDKScheduler)?
    }

    package let eventLoop: any EventLoop
    private let state: NIOLoopBoundBox<State>

    /// - Parameters:
    ///   - profile: the link of the device's connections, until changed.
    ///   - seed: the device's seed; connection n draws its jitter from stream n of it, so the
    ///     delays are the same in every run whatever the timing.
    ///   - eventLoop: the device's loop.
    package init(profile: LinkProfile, seed: UInt64, eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.state = .makeBoxSendingValue(State(profile: profile, seed: seed), eventLoop: eventLoop)
    }

    /// The link of connections made from now on; the live connection keeps the one it began with.
    package var profile: LinkProfile {
        get { state.value.profile }
        set { state.value.profile = newValue }
    }

    /// Where the connections' conditioners arm their timers: the device's timer queue in a live
    /// run; nil (the default) for the loop's own timers.
    package var timers: (any SDKScheduler)? {
        get { state.value.timers }
        set { state.value.timers = newValue }
    }

    /// How many connections were started through this link.
    package var connections: UInt64 { state.value.connections }

    /// True while the latest connection is up (its handshake done, not yet closed).
    package var isConnected: Bool { state.value.conditioner?.isConnected ?? false }

    /// Drops the live connection abruptly (a reset), as when the device loses its network. The
    /// SDK sees the socket close without a close frame. Nothing happens without a connection.
    package func dropConnection() {
        state.value.conditioner?.dropConnection()
    }

    /// The profile and generator for a new connection.
    package func nextConnection() -> (LinkProfile, SeededRandom) {
        let index = state.value.connections
        state.value.connections = index &+ 1
        return (state.value.profile, SeededRandom(seed: state.value.seed, stream: index))
    }

    /// Makes `conditioner` the live connection's.
    package func attach(_ conditioner: LinkConditioner) {
        state.value.conditioner = conditioner
    }
}

/// Failed accepts, grouped in episodes: an episode starts with the first failure after a
/// success (or at start) and ends with the next accepted connection. Pure, so that "say it once
/// per episode, with the count" is tested without running out of file descriptors.
package struct AcceptEpisodes: Sendable, Equatable {
    /// Failed accepts since the start.
    package private(set) var failures: UInt64 = 0
    /// Failed accepts in the episode under way (0 when none is).
    package private(set) var episodeFailures: UInt64 = 0

    package init() {}

    /// One failed accept; `true` when it starts an episode (say so then, and only then).
    package mutating func failed() -> Bool {
        failures += 1
        episodeFailures += 1
        return episodeFailures == 1
    }

    /// A connection was accepted; the number of failures of the episode it ends, if one was under way.
    package mutating func accepted() -> UInt64? {
        guard episodeFailures > 0 else { return nil }
        defer { episodeFailures = 0 }
        return episodeFailures
    }
}

/// Shard reports that cannot be merged into one run's report, and why.
public struct MergeError: Error, Equatable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// A report file that cannot be read: a different schema version, or not a report at all.
public struct ReportDecodingError: Error, Equatable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}

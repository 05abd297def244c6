/// One problem in a scenario file: where it is (file, 1-based line and column, and the field path
/// such as `journeys[0].screens.home.next`) and what is wrong with it.
public struct ScenarioError: Error, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem has no position (an unreadable file).
    public var line: Int
    /// 1-based; 0 when the problem has no position.
    public var column: Int
    /// The field, as `population.arrival.stages[1].to`; empty for the file as a whole.
    public var path: String
    public var message: String

    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    /// `<file>:<line>:<column>: <path>: <message>`, leaving out the parts it does not have.
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line):\(column)" }
        if !path.isEmpty { text += ": \(path)" }
        return text + ": " + message
    }
}

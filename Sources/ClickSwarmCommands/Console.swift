import Foundation

/// What the user sees: whole lines, unbuffered, to standard output or standard error, and the
/// terminal's one rewritten status line.
package enum Console {
    package enum Stream: Sendable { case standardOutput, standardError }

    /// Writes `text` and a line feed; a status line (from `statusLine`) goes without one, so the
    /// next status line overwrites it.
    package static func write(_ text: String, to stream: Stream) {
        let handle = stream == .standardOutput ? FileHandle.standardOutput : FileHandle.standardError
        let line = text.hasPrefix("\r") ? text : text + "\n"
        handle.write(Data(line.utf8))
    }

    /// `line` as a terminal status line: back to the line's start and clear it first.
    package static func statusLine(_ line: String) -> String { "\r\u{1B}[K" + line }

    /// Writes to standard output.
    package static let output: @Sendable (String) -> Void = { write($0, to: .standardOutput) }
    /// Writes to standard error.
    package static let errors: @Sendable (String) -> Void = { write($0, to: .standardError) }
}

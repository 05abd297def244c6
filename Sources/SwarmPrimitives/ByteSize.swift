/// Sizes written with a unit, as flags and scenario files take them: `1048576`, `512KiB`, `1MiB`,
/// `64KB` (1000-based), `2GiB`.
package enum ByteSize {
    package static func parse(_ text: String) -> Int? {
        let text = text.trimmingWhitespace()
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000),
            ("GB", 1_000_000_000),
            ("B", 1),
        ]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count).trimmingWhitespace()), value >= 0,
                value * Double(scale) < Double(Int.max)
            else { return nil }
            return Int(value * Double(scale))
        }
        return Int(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}

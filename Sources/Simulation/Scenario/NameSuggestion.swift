/// "Did you mean" suggestions for a mistyped name.
enum NameSuggestion {
    /// The candidate closest to `name` if it is close enough to be a likely typo.
    static func closest(to name: String, among candidates: [String]) -> String? {
        let lowered = Array(name.lowercased())
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, Array(candidate.lowercased()))
            let allowed = candidate.count <= 2 ? 0 : min(2, max(1, candidate.count / 3))
            guard distance <= allowed else { continue }
            if let current = best, current.distance <= distance { continue }
            best = (candidate, distance)
        }
        return best?.candidate
    }

    /// "unknown <what> 'x' (did you mean 'y'?); expected one of: a, b, c".
    static func unknown(_ what: String, _ name: String, among candidates: [String]) -> String {
        var message = "unknown \(what) '\(name)'"
        if let suggestion = closest(to: name, among: candidates) {
            message += " (did you mean '\(suggestion)'?)"
        }
        if candidates.isEmpty { return message }
        return message + "; expected one of: " + candidates.joined(separator: ", ")
    }

    /// Levenshtein distance, with a cap on the work for long inputs.
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        if abs(a.count - b.count) > 2 || a.count > 64 || b.count > 64 { return Int.max }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

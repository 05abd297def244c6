import Foundation

/// Escaping for text put into XML, XHTML and Markdown.
enum Markup {
    /// `text` safe inside an XML element or a quoted attribute: `& < > " '` as character
    /// references, and the control characters XML 1.0 does not allow left out.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                // XML 1.0 allows no other C0 controls, no surrogates (Swift has none) and no U+FFFE/U+FFFF.
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `text` safe in a Markdown table cell: HTML-escaped, `|` escaped, line breaks as spaces.
    static func markdownCell(_ text: String) -> String {
        var out = escape(text)
        out = out.replacingOccurrences(of: "|", with: "\\|")
        out = out.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ")
        out = out.replacingOccurrences(of: "\r", with: " ")
        return out
    }

    /// A figure in plain decimal notation with at most `decimals` places, trailing zeros cut:
    /// `12`, `0.25`, `1234.5`. Stable across platforms (no locale, no exponent).
    static func number(_ value: Double, decimals: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf") }
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}

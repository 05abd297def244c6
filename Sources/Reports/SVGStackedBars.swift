/// An inline SVG chart of horizontal bars, one per row, each split into coloured segments in
/// proportion to the row's total (so rows of different sizes compare by share), with the total
/// on the right and a `title` tooltip on every segment.
struct SVGStackedBars {
    struct Segment {
        var name: String
        var color: String
    }

    var title: String
    var segments: [Segment]
    var rows: [(label: String, values: [Double])]

    var svg: String {
        let width = 720.0
        let labelWidth = 170.0
        let totalWidth = 90.0
        let barHeight = 18.0
        let gap = 8.0
        let top = 26.0
        let height = top + Double(rows.count) * (barHeight + gap) + 4
        let barWidth = width - labelWidth - totalWidth
        func n(_ value: Double) -> String { Markup.number(value, decimals: 1) }

        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 \(n(width)) "
            + "\(n(height))\" width=\"\(n(width))\" height=\"\(n(height))\" aria-label=\"\(Markup.escape(title))\">"
        out += "<title>\(Markup.escape(title))</title>"
        var legendX = labelWidth
        for segment in segments {
            out +=
                "<rect x=\"\(n(legendX))\" y=\"6\" width=\"10\" height=\"10\" fill=\"\(Markup.escape(segment.color))\"/>"
            out += "<text class=\"legend\" x=\"\(n(legendX + 14))\" y=\"15\">\(Markup.escape(segment.name))</text>"
            legendX += Double(segment.name.count) * 6.5 + 28
        }
        for (index, row) in rows.enumerated() {
            let y = top + Double(index) * (barHeight + gap)
            let total = row.values.reduce(0, +)
            let label = row.label.count > 26 ? String(row.label.prefix(25)) + "…" : row.label
            out += "<text class=\"tick\" x=\"\(n(labelWidth - 8))\" y=\"\(n(y + 13))\" text-anchor=\"end\">"
            out += "<title>\(Markup.escape(row.label))</title>\(Markup.escape(label))</text>"
            out += "<rect class=\"track\" x=\"\(n(labelWidth))\" y=\"\(n(y))\" width=\"\(n(barWidth))\" "
            out += "height=\"\(n(barHeight))\"/>"
            var x = labelWidth
            for (segment, value) in zip(segments, row.values) where value > 0 && total > 0 {
                let share = value / total
                let segmentWidth = share * barWidth
                out += "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(segmentWidth))\" height=\"\(n(barHeight))\" "
                out += "fill=\"\(Markup.escape(segment.color))\"><title>"
                out += Markup.escape(
                    "\(row.label): \(segment.name) \(Formatting.count(UInt64(value))) "
                        + "(\(Formatting.percent(share)))")
                out += "</title></rect>"
                x += segmentWidth
            }
            out += "<text class=\"tick\" x=\"\(n(width - 4))\" y=\"\(n(y + 13))\" text-anchor=\"end\">"
            out += "\(Formatting.count(UInt64(total)))</text>"
        }
        out += "</svg>"
        return out
    }
}

import Foundation

/// An inline SVG line chart (no script, no external resource): axes with round ticks, a grid, one
/// `polyline` per series and per run of points with a value (a nil `y` is a gap), and a legend.
struct SVGLineChart {
    struct Series {
        var name: String
        /// A CSS colour, like `#4e79a7`.
        var color: String
        var points: [(x: Double, y: Double?)]
        /// Drawn dashed, so a line under another one still shows.
        var dashed = false
    }

    /// What the chart shows, for screen readers and as the SVG `title`.
    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    /// Fixed x ticks (value, label); automatic round ticks when nil.
    var xTicks: [(value: Double, label: String)]?
    var yFormat: (Double) -> String
    /// Vertical dashed lines at these x values, labelled at the top (a capacity search's knee).
    var markers: [(x: Double, label: String)] = []
    var width = 720.0
    var height = 260.0

    private let left = 64.0
    private let right = 28.0
    private let top = 28.0
    private let bottom = 40.0

    init(
        title: String, xLabel: String, yLabel: String, series: [Series],
        xTicks: [(value: Double, label: String)]? = nil,
        yFormat: @escaping (Double) -> String = {
            Markup.number($0, decimals: 2)
        }
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xTicks = xTicks
        self.yFormat = yFormat
    }

    var svg: String {
        let xs = series.flatMap { $0.points.map(\.x) }
        let ys = series.flatMap { $0.points.compactMap(\.y) }
        var xMin = xs.min() ?? 0
        var xMax = xs.max() ?? 1
        if let xTicks, let first = xTicks.first, let last = xTicks.last {
            xMin = min(xMin, first.value)
            xMax = max(xMax, last.value)
        }
        if xMax <= xMin { xMax = xMin + 1 }
        let yStep = Self.niceStep((ys.max() ?? 0) / 4)
        let yMax = max(yStep, ((ys.max() ?? 0) / yStep).rounded(.up) * yStep)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double { top + plotHeight - min(max(y, 0), yMax) / yMax * plotHeight }
        func n(_ value: Double) -> String { Markup.number(value, decimals: 1) }

        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 \(n(width)) "
            + "\(n(height))\" width=\"\(n(width))\" height=\"\(n(height))\" aria-label=\"\(Markup.escape(title))\">"
        out += "<title>\(Markup.escape(title))</title>"
        // Grid and y ticks.
        var tick = 0.0
        while tick <= yMax * 1.0001 {
            let y = py(tick)
            out += "<line class=\"grid\" x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(width - right))\" y2=\"\(n(y))\"/>"
            out +=
                "<text class=\"tick\" x=\"\(n(left - 6))\" y=\"\(n(y + 4))\" text-anchor=\"end\">"
                + "\(Markup.escape(yFormat(tick)))</text>"
            tick += yStep
        }
        // X ticks.
        let ticks = xTicks ?? Self.autoTicks(xMin, xMax)
        for (value, label) in ticks where value >= xMin && value <= xMax {
            let x = px(value)
            out += "<line class=\"axis\" x1=\"\(n(x))\" y1=\"\(n(top + plotHeight))\" x2=\"\(n(x))\" "
            out += "y2=\"\(n(top + plotHeight + 4))\"/>"
            out += "<text class=\"tick\" x=\"\(n(x))\" y=\"\(n(top + plotHeight + 16))\" text-anchor=\"middle\">"
            out += "\(Markup.escape(label))</text>"
        }
        out += "<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(top + plotHeight))\" x2=\"\(n(width - right))\" "
        out += "y2=\"\(n(top + plotHeight))\"/>"
        out +=
            "<line class=\"axis\" x1=\"\(n(left))\" y1=\"\(n(top))\" x2=\"\(n(left))\" y2=\"\(n(top + plotHeight))\"/>"
        out += "<text class=\"label\" x=\"\(n(left + plotWidth / 2))\" y=\"\(n(height - 6))\" text-anchor=\"middle\">"
        out += "\(Markup.escape(xLabel))</text>"
        out += "<text class=\"label\" x=\"\(n(left))\" y=\"14\" text-anchor=\"start\">\(Markup.escape(yLabel))</text>"
        for marker in markers where marker.x >= xMin && marker.x <= xMax {
            let x = px(marker.x)
            out += "<line class=\"marker\" x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" "
            out += "y2=\"\(n(top + plotHeight))\" stroke=\"#c62828\" stroke-dasharray=\"4 3\"/>"
            out += "<text class=\"label\" x=\"\(n(x + 4))\" y=\"\(n(top + 12))\">\(Markup.escape(marker.label))</text>"
        }
        // Series: a polyline per run of points with a value; a lone point as a dot.
        for line in series {
            var runs: [[(Double, Double)]] = [[]]
            for point in line.points {
                if let y = point.y {
                    runs[runs.count - 1].append((px(point.x), py(y)))
                } else if !runs[runs.count - 1].isEmpty {
                    runs.append([])
                }
            }
            let color = Markup.escape(line.color)
            out += "<g class=\"series\"><title>\(Markup.escape(line.name))</title>"
            for run in runs where !run.isEmpty {
                if run.count == 1 {
                    out += "<circle cx=\"\(n(run[0].0))\" cy=\"\(n(run[0].1))\" r=\"2\" fill=\"\(color)\"/>"
                } else {
                    let points = run.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
                    let dash = line.dashed ? " stroke-dasharray=\"5 3\"" : ""
                    out +=
                        "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"\(dash) points=\"\(points)\"/>"
                }
            }
            out += "</g>"
        }
        // Legend, right-aligned along the top.
        var legendX = width - right
        for line in series.reversed() {
            let label = Markup.escape(line.name)
            legendX -= Double(line.name.count) * 6.5 + 22
            out +=
                "<rect x=\"\(n(legendX))\" y=\"6\" width=\"10\" height=\"10\" fill=\"\(Markup.escape(line.color))\"/>"
            out += "<text class=\"legend\" x=\"\(n(legendX + 14))\" y=\"15\">\(label)</text>"
        }
        out += "</svg>"
        return out
    }

    /// 1, 2 or 5 times a power of ten, at least `raw` (1 for nothing).
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * power >= raw { return factor * power }
        return 10 * power
    }

    private static func autoTicks(_ low: Double, _ high: Double) -> [(value: Double, label: String)] {
        let step = niceStep((high - low) / 8)
        var ticks: [(Double, String)] = []
        var value = (low / step).rounded(.up) * step
        while value <= high + step * 0.0001 {
            ticks.append((value, Markup.number(value, decimals: 2)))
            value += step
        }
        return ticks
    }
}

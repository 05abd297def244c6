import RaccoonWire
import Testing

@testable import Simulation

@Suite struct DistributionTests {
    @Test func parsesEveryShapeWithUnits() throws {
        #expect(try Distribution(parsing: "50ms", as: .duration) == .constant(0.05))
        #expect(try Distribution(parsing: "uniform(1s, 2m)", as: .duration) == .uniform(1, 120))
        #expect(
            try Distribution(parsing: "normal(100ms, 20ms)", as: .duration)
                == .normal(mean: 0.1, standardDeviation: 0.02))
        #expect(try Distribution(parsing: "lognormal(5m, 0.5)", as: .duration) == .lognormal(median: 300, sigma: 0.5))
        #expect(try Distribution(parsing: "exponential(1h)", as: .duration) == .exponential(mean: 3600))
        #expect(try Distribution(parsing: "uniform(20%, 100%)", as: .percentPoints) == .uniform(20, 100))
        #expect(try Distribution(parsing: "25%", as: .fraction) == .constant(0.25))
        #expect(try Distribution(parsing: "64KiB", as: .bytes) == .constant(65536))
        #expect(try Distribution(parsing: "uniform(1, 3)", as: .count) == .uniform(1, 3))
    }

    @Test func rejectsWithTheReason() {
        #expect(throws: Distribution.ParseError(text: "50", problem: "is not a duration with a unit (us, ms, s, m, h)"))
        {
            try Distribution(parsing: "50", as: .duration)
        }
        #expect(
            throws: Distribution.ParseError(
                text: "150%", problem: "is not a percentage (like 25%) or a fraction from 0 to 1")
        ) {
            try Distribution(parsing: "150%", as: .fraction)
        }
        #expect(
            throws: Distribution.ParseError(
                text: "uniform(2s,1s)", problem: "is not a distribution: the low bound is above the high bound")
        ) {
            try Distribution(parsing: "uniform(2s,1s)", as: .duration)
        }
        #expect(
            throws: Distribution.ParseError(
                text: "pareto(1s)",
                problem:
                    "is not a distribution: unknown name 'pareto' (use constant, uniform, normal, lognormal or exponential)"
            )
        ) {
            try Distribution(parsing: "pareto(1s)", as: .duration)
        }
    }

    @Test func samplesHaveTheRightMeans() {
        var random = SeededRandom(seed: 7)
        let shapes: [Distribution] = [
            .uniform(1, 3), .normal(mean: 5, standardDeviation: 1), .lognormal(median: 2, sigma: 0.5),
            .exponential(mean: 4),
        ]
        for shape in shapes {
            let n = 200_000
            var sum = 0.0
            for _ in 0..<n { sum += shape.sample(using: &random) }
            let mean = sum / Double(n)
            #expect(abs(mean - shape.mean) / shape.mean < 0.02, "\(shape): \(mean) vs \(shape.mean)")
        }
    }
}

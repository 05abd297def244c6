import Testing

@testable import Reports

@Suite struct RegressionTolerancesTests {
    @Test func eachEntrySetsOneSlackAndKeepsTheOther() throws {
        let tolerances = try RegressionTolerances(
            parsing: "p99=10%, connect=200ms,delivery=0.1%,drop_rate=0.2pp,pending=10,events_per_s=500,p99.9=1.5s")
        #expect(tolerances["p99"] == Tolerance(relative: 0.1, absolute: 1_000))
        #expect(tolerances["connect_p99"] == Tolerance(relative: 1, absolute: 200))
        #expect(tolerances["delivery"] == Tolerance(absolute: 0.001))
        #expect(tolerances["drop_rate"] == Tolerance(absolute: 0.002))
        #expect(tolerances["pending"] == Tolerance(absolute: 10))
        #expect(tolerances["events_per_s"] == Tolerance(relative: 0.25, absolute: 500))
        #expect(tolerances["p999"] == Tolerance(relative: 0.5, absolute: 1_500))
        #expect(tolerances["p50"] == RegressionTolerances.defaults["p50"])
        let both = try RegressionTolerances(parsing: "P99=5%,p99=0ms,")
        #expect(both["p99"] == Tolerance(relative: 0.05, absolute: 0))
        #expect(try RegressionTolerances(parsing: "") == .defaults)
    }

    @Test func everyKeyAndAliasIsKnownOnce() {
        let names = ComparedFigure.all.flatMap { [$0.key] + $0.aliases }
        #expect(Set(names).count == names.count)
        for name in names { #expect(ComparedFigure.named(name) != nil) }
    }

    @Test(
        "errors name the bad entry, key or value",
        arguments: [
            ("p99", "--max-regression: 'p99' is not key=value, such as p99=10% or delivery=0.1%"),
            (
                "delivry=0.1%",
                "--max-regression: unknown figure 'delivry' (did you mean 'delivery'?); known figures: "
                    + ComparedFigure.all.map(\.key).joined(separator: ", ")
            ),
            (
                "conect=200ms",
                "--max-regression: unknown figure 'conect' (did you mean 'connect'?); known figures: "
                    + ComparedFigure.all.map(\.key).joined(separator: ", ")
            ),
            (
                "latency_everything=1%",
                "--max-regression: unknown figure 'latency_everything'; known figures: "
                    + ComparedFigure.all.map(\.key).joined(separator: ", ")
            ),
            (
                "p99=fast",
                "--max-regression: p99='fast' is not a percentage (10%) or a duration (200ms, 1.5s), at least 0"
            ),
            (
                "p99=200",
                "--max-regression: p99='200' is not a percentage (10%) or a duration (200ms, 1.5s), at least 0"
            ),
            ("delivery=5ms", "--max-regression: delivery='5ms' is not percentage points (0.1% or 0.1pp), at least 0"),
            (
                "pending=-1",
                "--max-regression: pending='-1' is not a percentage (1%) or a number of events (10), at least 0"
            ),
            (
                "events_per_s=lots",
                "--max-regression: events_per_s='lots' is not a percentage (20%) or events per second (500), at least 0"
            ),
        ])
    func errors(list: String, message: String) {
        do {
            _ = try RegressionTolerances(parsing: list)
            Issue.record("'\(list)' parsed")
        } catch {
            #expect(error.description == message)
        }
    }
}

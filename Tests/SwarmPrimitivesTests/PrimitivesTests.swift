import Glibc
import Testing

@testable import SwarmPrimitives

@Suite("Distributions")
struct DistributionTests {
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

    @Test(
        "durations: every form and unit",
        arguments: [
            ("50ms", Distribution.constant(0.05)), ("0", .constant(0)), ("1.5s", .constant(1.5)),
            ("constant(2m)", .constant(120)), ("uniform(10ms, 200ms)", .uniform(0.01, 0.2)),
            ("normal(100ms,20ms)", .normal(mean: 0.1, standardDeviation: 0.02)),
            ("lognormal(100ms,0.5)", .lognormal(median: 0.1, sigma: 0.5)),
            (" exponential(250us) ", .exponential(mean: 0.00025)), ("8784h", .constant(366 * 86_400)),
        ])
    func durations(text: String, expected: Distribution) throws {
        #expect(try Distribution(parsing: text, as: .duration) == expected)
    }

    @Test(
        "durations: what is wrong, in words",
        arguments: [
            ("50", "'50' is not a duration with a unit (us, ms, s, m, h)"),
            ("uniform(1s)", "'uniform(1s)' is not a distribution: uniform takes 2 arguments"),
            ("normal(1s,2s", "'normal(1s,2s' is missing its closing ')'"),
            ("lognormal(1s,-1)", "'lognormal(1s,-1)' is not a distribution: sigma '-1' is not a number from 0 to 10"),
            ("-5ms", "'-5ms' is not a duration with a unit (us, ms, s, m, h)"),
            ("nans", "'nans' is not a duration with a unit (us, ms, s, m, h)"),
            ("infh", "'infh' is not a duration with a unit (us, ms, s, m, h)"),
            ("1e308h", "'1e308h' is longer than the longest duration ClickSwarm takes, 366 days (8784h)"),
            ("3000000h", "'3000000h' is longer than the longest duration ClickSwarm takes, 366 days (8784h)"),
            (
                "uniform(1s, 9000h)",
                "'uniform(1s, 9000h)' has '9000h', which is longer than the longest duration ClickSwarm takes, "
                    + "366 days (8784h)"
            ),
        ])
    func durationErrors(text: String, message: String) {
        do {
            _ = try Distribution(parsing: text, as: .duration)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("samples stay in range and never go negative")
    func samplesInRange() {
        var random = SeededRandom(seed: 11)
        let uniform = (0..<10_000).map { _ in Distribution.uniform(0.01, 0.02).sample(using: &random) }
        #expect(uniform.allSatisfy { (0.01...0.02).contains($0) })
        let normal = (0..<10_000).map { _ in
            Distribution.normal(mean: 0.001, standardDeviation: 0.01).sample(using: &random)
        }
        #expect(normal.allSatisfy { $0 >= 0 })
        let lognormal = (0..<20_001).map { _ in Distribution.lognormal(median: 0.1, sigma: 0.5).sample(using: &random) }
        #expect(abs(lognormal.sorted()[10_000] - 0.1) < 0.005)
    }

    @Test("duration texts parse back to the same distribution")
    func durationTexts() throws {
        for distribution: Distribution in [
            .constant(0.05), .uniform(0.01, 0.2), .normal(mean: 1, standardDeviation: 0.5),
            .lognormal(median: 0.1, sigma: 0.5), .exponential(mean: 0.25), .zero, .constant(0.0005),
        ] {
            #expect(try Distribution(parsing: distribution.durationText, as: .duration) == distribution)
        }
    }
}

@Suite("Small primitives")
struct SmallPrimitivesTests {
    @Test("sequence bitmaps count, detect repeats and merge")
    func bitmap() {
        var bitmap = SequenceBitmap()
        let r1 = bitmap.insert(0)
        #expect(r1)
        let r2 = bitmap.insert(5000)
        #expect(r2)
        let r3 = bitmap.insert(5000)
        #expect(!r3)
        let r4 = bitmap.insert(1 << 40)
        #expect(r4)
        #expect(bitmap.count == 3)
        var other = SequenceBitmap()
        other.insert(1)
        other.insert(5000)
        bitmap.formUnion(other)
        #expect(bitmap.count == 4)
        #expect(bitmap.contains(1) && bitmap.contains(1 << 40) && !bitmap.contains(2))
    }

    @Test("a bitmap counts the members another lacks, across chunks")
    func bitmapDifference() {
        var acked = SequenceBitmap()
        var delivered = SequenceBitmap()
        for sequence: UInt64 in [0, 1, 2, 4097, 1 << 30] { acked.insert(sequence) }
        for sequence: UInt64 in [1, 2, 3, 4097] { delivered.insert(sequence) }
        #expect(acked.countNotIn(delivered) == 2)
        #expect(delivered.countNotIn(acked) == 1)
        #expect(acked.countNotIn(acked) == 0)
        #expect(SequenceBitmap().countNotIn(acked) == 0)
    }

    @Test(
        "byte sizes",
        arguments: [
            ("1MiB", 1_048_576), ("512KiB", 524_288), ("64KB", 64_000), ("1024", 1024), ("2 GiB", 2_147_483_648),
            ("10B", 10),
        ])
    func byteSizes(text: String, bytes: Int) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test("bad byte sizes", arguments: ["", "MiB", "-1", "1XB", "1.5.2MiB"])
    func badByteSizes(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

}

@Suite("Open-file limit")
struct FileDescriptorLimitTests {
    @Test("raising takes the soft limit up to the hard one, never beyond")
    func raise() throws {
        // Start from a low soft limit, as a fresh shell often has (1024).
        var low = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &low)
        low.rlim_cur = min(low.rlim_max, 512)
        #expect(setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &low) == 0)
        let before = try #require(FileDescriptorLimit.current())
        #expect(before.soft == min(before.hard, 512))
        #expect(FileDescriptorLimit.raise(toAtMost: 600)?.soft == min(before.hard, 600))
        let after = try #require(FileDescriptorLimit.raise())
        #expect(after.hard == before.hard)
        #expect(after.soft == before.hard)
        #expect(after.soft >= before.soft)
    }
}

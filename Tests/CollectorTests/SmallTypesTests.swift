import Glibc
import NIOCore
import NIOWebSocket
import RaccoonWire
import Testing

@testable import Collector

@Suite("Delay distributions")
struct DelayDistributionTests {
    @Test(
        "parse every form",
        arguments: [
            ("50ms", DelayDistribution.constant(seconds: 0.05)),
            ("0", .constant(seconds: 0)),
            ("1.5s", .constant(seconds: 1.5)),
            ("constant(2m)", .constant(seconds: 120)),
            ("uniform(10ms, 200ms)", .uniform(low: 0.01, high: 0.2)),
            ("normal(100ms,20ms)", .normal(mean: 0.1, standardDeviation: 0.02)),
            ("lognormal(100ms,0.5)", .lognormal(median: 0.1, sigma: 0.5)),
            (" exponential(250us) ", .exponential(mean: 0.00025)),
        ])
    func parse(text: String, expected: DelayDistribution) throws {
        #expect(try DelayDistribution(parsing: text) == expected)
    }

    @Test(
        "say what is wrong",
        arguments: [
            ("50", "'50' is not a duration with a unit (us, ms, s, m, h)"),
            ("uniform(2s,1s)", "the low bound is above the high bound"),
            ("uniform(1s)", "uniform takes 2 arguments"),
            ("poisson(1s)", "unknown distribution 'poisson'"),
            ("normal(1s,2s", "missing ')'"),
            ("lognormal(1s,-1)", "sigma '-1' is not a non-negative number"),
            ("-5ms", "'-5ms' is not a duration with a unit (us, ms, s, m, h)"),
        ])
    func errors(text: String, problem: String) {
        #expect(throws: DelayDistribution.ParseError(text: text, problem: problem)) {
            try DelayDistribution(parsing: text)
        }
    }

    @Test("samples stay in range and have the right mean")
    func samples() {
        var random = SeededRandom(seed: 11)
        let uniform = (0..<10_000).map { _ in DelayDistribution.uniform(low: 0.01, high: 0.02).sample(using: &random) }
        #expect(uniform.allSatisfy { (0.01...0.02).contains($0) })
        let exponential = (0..<20_000).map { _ in DelayDistribution.exponential(mean: 0.1).sample(using: &random) }
        let mean = exponential.reduce(0, +) / Double(exponential.count)
        #expect(abs(mean - 0.1) < 0.005)
        let normal = (0..<10_000).map { _ in
            DelayDistribution.normal(mean: 0.001, standardDeviation: 0.01).sample(using: &random)
        }
        #expect(normal.allSatisfy { $0 >= 0 })
        let lognormal = (0..<20_001).map { _ in
            DelayDistribution.lognormal(median: 0.1, sigma: 0.5).sample(using: &random)
        }
        #expect(abs(lognormal.sorted()[10_000] - 0.1) < 0.005)
    }

    @Test("descriptions parse back to the same distribution")
    func descriptions() throws {
        for distribution: DelayDistribution in [
            .constant(seconds: 0.05), .uniform(low: 0.01, high: 0.2), .normal(mean: 1, standardDeviation: 0.5),
            .lognormal(median: 0.1, sigma: 0.5), .exponential(mean: 0.25), .zero,
        ] {
            #expect(try DelayDistribution(parsing: distribution.description) == distribution)
        }
    }
}

@Suite("Fault settings")
struct FaultSettingsTests {
    @Test("a partial update changes only the keys it names")
    func partialUpdate() throws {
        var faults = FaultSettings()
        try faults.apply(json: Array(#"{"ack_loss":0.5,"ack_delay":"uniform(1ms,5ms)"}"#.utf8))
        #expect(faults.ackLossProbability == 0.5)
        #expect(faults.ackDelay == .uniform(low: 0.001, high: 0.005))
        try faults.apply(json: Array(#"{"outage":true,"publish_stall":true,"error_rate":1}"#.utf8))
        #expect(faults.ackLossProbability == 0.5)
        #expect(faults.outage && faults.publishStall)
        #expect(faults.errorProbability == 1)
        #expect(
            faults.json
                == #"{"ack_delay":"uniform(1ms,5ms)","ack_loss":0.5,"error_rate":1.0,"outage":true,"publish_stall":true}"#
        )
    }

    @Test(
        "an invalid update says why and changes nothing",
        arguments: [
            (#"{"ack_loss":2}"#, "ack_loss must be a probability from 0 to 1"),
            (#"{"outage":"yes"}"#, "outage must be true or false"),
            (#"{"ack_delay":"soon"}"#, "ack_delay: 'soon' is not a delay distribution"),
            (#"{"speed":1}"#, "unknown fault 'speed'"),
            (#"[1]"#, "fault update must be a JSON object"),
            (#"{"#, "fault update is not valid JSON"),
        ])
    func invalid(json: String, message: String) {
        var faults = FaultSettings()
        faults.errorProbability = 0.1
        do {
            // A valid key before the invalid one must not be applied either.
            let update = json.hasPrefix("{\"") ? #"{"error_rate":0.3,"# + json.dropFirst() : json
            try faults.apply(json: Array(update.utf8))
            Issue.record("expected an error for \(json)")
        } catch {
            #expect(error.description.hasPrefix(message) || error.description.contains(message))
        }
        #expect(faults.errorProbability == 0.1)
    }
}

@Suite("Small collector types")
struct SmallCollectorTypesTests {
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

    @Test("request memory forgets the oldest beyond its capacity")
    func requestMemory() {
        var memory = RequestGUIDMemory(capacity: 2)
        let r5 = memory.checkAndInsert("a")
        #expect(!r5)
        let r6 = memory.checkAndInsert("b")
        #expect(!r6)
        let r7 = memory.checkAndInsert("a")
        #expect(r7)
        let r8 = memory.checkAndInsert("c")
        #expect(!r8)
        let r9 = memory.checkAndInsert("a")
        #expect(!r9)
        let r10 = memory.checkAndInsert("c")
        #expect(r10)
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

    @Test("configuration errors name the setting")
    func configuration() {
        var configuration = CollectorConfiguration()
        configuration.port = 70_000
        #expect(throws: CollectorError.invalidConfiguration("port 70000 is outside 0-65535")) {
            try configuration.validate()
        }
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

@Suite("WebSocket unmasking")
struct UnmaskTests {
    @Test("eight-at-a-time unmasking equals NIO's byte-by-byte unmasking at every length and offset")
    func matchesNIO() {
        var random = SeededRandom(seed: 5)
        for length in 0..<70 {
            let bytes = (0..<(length + 3)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let key = WebSocketMaskingKey.random()
            // A buffer whose readable bytes do not start at offset 0, as frame payloads do.
            var ours = ByteBuffer(bytes: bytes)
            ours.moveReaderIndex(forwardBy: 3)
            var theirs = ours
            ours.unmaskWebSocketPayload(key)
            theirs.webSocketUnmask(key)
            #expect(ours == theirs, "length \(length)")
        }
    }
}

import Foundation
import Reports
import Testing

/// `clickswarm run --shard` and `clickswarm merge` as a user runs them.
@Suite("clickswarm merge and run --shard, the commands")
struct MergeCommandTests {
    static let smoke = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scenarios/smoke.yaml").path

    @Test("two simulated shards, merged, equal the unsharded run; exit 0")
    func shardsMerge() throws {
        let directory = try RunCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let common = ["--simulated", "--quiet", "--devices", "8", "--duration", "30s"]
        var paths: [String] = []
        for shard in ["0/2", "1/2"] {
            let output = directory.appendingPathComponent(shard.replacingOccurrences(of: "/", with: "-")).path
            let result = try Binary.run(["run", Self.smoke, "--shard", shard, "--output", output] + common)
            #expect(result.status == 0, "\(result.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: output)
            #expect(files.count == 1)
            paths.append((output as NSString).appendingPathComponent(files[0]))
        }
        let wholeDirectory = directory.appendingPathComponent("whole").path
        let whole = try Binary.run(["run", Self.smoke, "--output", wholeDirectory] + common)
        #expect(whole.status == 0, "\(whole.stderr)")
        let wholeFile = try FileManager.default.contentsOfDirectory(atPath: wholeDirectory)[0]

        let mergedPath = directory.appendingPathComponent("merged.json").path
        let merge = try Binary.run(["merge", paths[1], paths[0], "-o", mergedPath])
        #expect(merge.status == 0, "\(merge.stderr)")
        #expect(merge.stderr.contains("merged 2 shards of smoke"))
        let merged = try Data(contentsOf: URL(fileURLWithPath: mergedPath))
        let expected = try Data(
            contentsOf: URL(fileURLWithPath: (wholeDirectory as NSString).appendingPathComponent(wholeFile)))
        #expect(String(decoding: merged, as: UTF8.self) == String(decoding: expected, as: UTF8.self))

        let stdout = try Binary.run(["merge", paths[0], paths[1]])
        #expect(stdout.status == 0)
        #expect(try RunReport.decode(Data(stdout.stdout.utf8)) == RunReport.decode(merged))

        let missing = try Binary.run(["merge", paths[0]])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("missing shard 1/2 of 2"))
        let unsharded = try Binary.run(["merge", paths[0], mergedPath])
        #expect(unsharded.status == 64)
        #expect(unsharded.stderr.contains("is not a shard report"))
        let unreadable = try Binary.run(["merge", directory.appendingPathComponent("nope.json").path])
        #expect(unreadable.status == 64)
        #expect(unreadable.stderr.contains("nope.json: cannot read it"))
    }

    @Test("bad --shard and --start-at values exit 64 and say why")
    func badFlags() throws {
        for (flags, message) in [
            (["--shard", "3/3"], "--shard '3/3': the index must be from 0 to N-1"),
            (["--shard", "x"], "--shard 'x' is not i/N"),
            (["--shard", "1/0"], "the index must be from 0 to N-1 and N at least 1"),
            (["--start-at", "tomorrow"], "--start-at 'tomorrow' is neither an ISO 8601 time"),
        ] {
            let result = try Binary.run(["run", Self.smoke] + flags)
            #expect(result.status == 64, "\(flags)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
        let past = try Binary.run(["run", Self.smoke, "--start-at", "2020-01-01T00:00:00Z", "--quiet"])
        #expect(past.status == 64)
        #expect(past.stderr.contains("seconds in the past"))
    }
}

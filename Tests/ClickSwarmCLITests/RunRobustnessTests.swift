import Foundation
import Reports
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `clickswarm run` as a careless or hostile user meets it: destinations checked before anything
/// starts, names that never collide, partial reports, and signals that never lose the report.
@Suite("clickswarm run: destinations, names, partial reports, signals", .serialized)
struct RunRobustnessTests {
    static func workspace() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "clickswarm-robust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A live scenario of a few devices that runs for `duration` unless stopped.
    static func scenario(in directory: URL, duration: String = "60s") throws -> String {
        let file = directory.appendingPathComponent("robust.yaml")
        try """
        name: robust
        duration: \(duration)
        drain: 1s
        population:
          devices: 4
          arrival: {stages: [{to: all, over: 0s}]}
        sdk:
          android: {batch_period: 1s}
          ios: {batch_period: 1s}
        journeys:
          - name: j
            start: a
            screens:
              a:
                think: 300ms
                events: [{contract: ScreenView, attributes: {screen_name: a}}]
                next: {a: 100%}
        """.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    static func files(in directory: URL, suffix: String) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Waits until `condition` holds, checking every 50 ms, for at most `seconds`.
    static func eventually(_ seconds: Double, _ condition: () -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test("an output folder that cannot be made exits 73 at once, naming the folder and the reason")
    func unwritableOutput() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let blocker = directory.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let started = Date()
        let result = try Binary.run([
            "run", try Self.scenario(in: directory), "--output", blocker.appendingPathComponent("reports").path,
            "--quiet",
        ])
        #expect(result.status == 73)
        #expect(result.stderr.contains("\(blocker.path): exists and is not a folder"), "\(result.stderr)")
        #expect(!result.stderr.contains("NSCocoaErrorDomain"))
        #expect(Date().timeIntervalSince(started) < 10, "it must fail before the 60 s run")
    }

    @Test(
        "numbers out of range are refused before anything starts, with the range or the most that fits",
        arguments: [
            (["--threads", "-1"], 64, "--threads -1 is outside 0"),
            (["--threads", "100000"], 64, "to 1024"),
            (["--devices", "-5"], 64, "--devices must be at least 1, not -5"),
            (["--simulated", "--devices", "20000000"], 69, "devices here, or split the population into shards"),
            (["--duration", "3000000h"], 64, "longer than the longest duration ClickSwarm takes, 366 days"),
            (["--duration", "1e308h"], 64, "longer than the longest duration"),
            (["--partial-interval", "-1s"], 64, "--partial-interval"),
        ])
    func outOfRange(arguments: [String], status: Int32, message: String) throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let started = Date()
        let result = try Binary.run(["run", try Self.scenario(in: directory), "--output", directory.path] + arguments)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(Self.files(in: directory, suffix: ".json").isEmpty)
    }

    @Test("a target that accepts TCP and never answers fails the run (99): nothing delivered, no connection")
    func silentTarget() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let listener = try SilentListener()
        defer { listener.close() }
        let result = try Binary.run([
            "run", try Self.scenario(in: directory, duration: "2s"), "--output", directory.path, "--target",
            "ws://127.0.0.1:\(listener.port)/api/v1/events",
        ])
        #expect(result.status == 99, "\(result.stderr)")
        #expect(result.stdout.contains("FAIL  something delivered: acked_events 0 >= 1"), "\(result.stdout)")
        #expect(result.stdout.contains("FAIL  a connection opened: connections_opened 0 >= 1"), "\(result.stdout)")
    }

    @Test("a baseline of another seed is refused before the run starts (64)")
    func baselineOfAnotherRun() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let started = Date()
        let result = try Binary.run([
            "run", try Self.scenario(in: directory), "--output", directory.path, "--seed", "7", "--baseline",
            Binary.repository + "/results/baselines/smoke.json",
        ])
        #expect(result.status == 64)
        #expect(result.stderr.contains("scenario 'smoke' vs 'robust'"), "\(result.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(Self.files(in: directory, suffix: ".json").isEmpty)
    }

    @Test("two runs of one scenario in the same second write two reports")
    func namesNeverCollide() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = try Self.scenario(in: directory, duration: "10m")
        let runs = try (0..<3).map { _ in
            try Binary.start(["run", scenario, "--simulated", "--output", directory.path, "--quiet"])
        }
        let results = runs.map { Binary.finish($0.0, $0.1, $0.2) }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        let paths = results.map { $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(Set(paths).count == 3, "\(paths)")
        let reports = Self.files(in: directory, suffix: ".json").filter { !$0.path.hasSuffix(".partial.json") }
        #expect(reports.count == 3)
        for report in reports { #expect(throws: Never.self) { try RunReport.decode(Data(contentsOf: report)) } }
    }

    @Test("a folder that vanishes during the run: the report goes to the temporary folder, exit 73, and it says where")
    func fallbackWhenTheFolderGoes() async throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("reports")
        let (process, out, err) = try Binary.start([
            "run", try Self.scenario(in: directory, duration: "4s"), "--output", output.path, "--quiet",
        ])
        let reserved = try await Self.eventually(10) { !Self.files(in: output, suffix: ".partial.json").isEmpty }
        #expect(reserved)
        try FileManager.default.removeItem(at: output)
        try Data("not a folder".utf8).write(to: output)
        let result = Binary.finish(process, out, err)
        #expect(result.status == 73, "\(result.stderr)")
        let fallback = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(
            of: "report: ", with: "")
        #expect(fallback.hasPrefix(FileManager.default.temporaryDirectory.path), "\(result.stdout)")
        #expect(result.stderr.contains("it is at \(fallback)"), "\(result.stderr)")
        #expect(throws: Never.self) { try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: fallback))) }
        try? FileManager.default.removeItem(atPath: fallback)
    }

    @Test("a run killed with SIGKILL leaves a partial report that `clickswarm report` renders, marked partial")
    func partialReportSurvivesAKill() async throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (process, out, err) = try Binary.start([
            "run", try Self.scenario(in: directory), "--output", directory.path, "--quiet", "--partial-interval", "1s",
        ])
        let written = try await Self.eventually(20) {
            guard let partial = Self.files(in: directory, suffix: ".partial.json").first,
                let data = try? Data(contentsOf: partial), let report = try? RunReport.decode(data)
            else { return false }
            return report.totals.generated > 0
        }
        #expect(written)
        kill(process.processIdentifier, SIGKILL)
        _ = Binary.finish(process, out, err)
        let partial = try #require(Self.files(in: directory, suffix: ".partial.json").first)
        let report = try RunReport.decode(Data(contentsOf: partial))
        #expect(report.run.partial == true)
        #expect(report.reconciliation.balanced)
        let rendered = try Binary.run(["report", partial.path])
        #expect(rendered.status == 0)
        #expect(rendered.stdout.contains("partial: written during the run"), "\(rendered.stdout)")
        let merge = try Binary.run(["merge", partial.path])
        #expect(merge.status == 64)
        #expect(merge.stderr.contains("partial report"))
    }

    @Test("SIGTERM twice in a row: the report is written and the exit code is 130", arguments: [0.0, 0.2])
    func doubleTerm(gap: Double) async throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (process, out, err) = try Binary.start([
            "run", try Self.scenario(in: directory), "--output", directory.path, "--quiet",
        ])
        #expect(try await Self.eventually(20) { !Self.files(in: directory, suffix: ".partial.json").isEmpty })
        try await Task.sleep(for: .seconds(2))
        kill(process.processIdentifier, SIGTERM)
        if gap > 0 { try await Task.sleep(for: .seconds(gap)) }
        kill(process.processIdentifier, SIGTERM)
        let result = Binary.finish(process, out, err)
        #expect(result.status == 130, "\(result.stderr)")
        let reports = Self.files(in: directory, suffix: ".json").filter { !$0.path.hasSuffix(".partial.json") }
        #expect(reports.count == 1)
        let report = try RunReport.decode(Data(contentsOf: try #require(reports.first)))
        #expect(report.run.interrupted)
    }

    @Test("a second SIGTERM while a push hangs gives the push up at once; the report stays")
    func secondSignalDuringAHangingPush() async throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let listener = try SilentListener()
        defer { listener.close() }
        let (process, out, err) = try Binary.start([
            "run", try Self.scenario(in: directory, duration: "3s"), "--output", directory.path, "--quiet", "--push",
            "http://127.0.0.1:\(listener.port)/hook", "--push-timeout", "60s",
        ])
        // The run ends by itself after 4 s; then the push hangs on a server that never answers.
        #expect(
            try await Self.eventually(30) {
                Self.files(in: directory, suffix: ".partial.json").isEmpty
                    && !Self.files(in: directory, suffix: ".json").isEmpty
            })
        try await Task.sleep(for: .seconds(1))
        kill(process.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        let stopping = Date()
        kill(process.processIdentifier, SIGTERM)
        let result = Binary.finish(process, out, err)
        #expect(Date().timeIntervalSince(stopping) < 5, "the second signal must not wait for the push's 60 s")
        #expect(result.status == 75, "\(result.stderr)")
        #expect(result.stderr.contains("the pushes were given up"), "\(result.stderr)")
        #expect(Self.files(in: directory, suffix: ".json").count == 1)
    }

    @Test("timeout -s INT (the process and its group signalled): the report is written every time")
    func groupInterrupt() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = try Self.scenario(in: directory)
        for attempt in 0..<2 {
            let output = directory.appendingPathComponent("run\(attempt)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            process.arguments = [
                "--preserve-status", "-s", "INT", "4", Binary.url.path, "run", scenario, "--output", output.path,
                "--quiet",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 130)
            let reports = Self.files(in: output, suffix: ".json")
            #expect(reports.count == 1 && !reports[0].path.hasSuffix(".partial.json"), "\(reports)")
        }
    }
}

/// A TCP port that accepts connections into its backlog and never answers: a push to it hangs.
private struct SilentListener {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(descriptor) }
}

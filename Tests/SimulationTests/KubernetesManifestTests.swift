import Foundation
import Testing
import Yams

/// `deploy/kubernetes/`: the Indexed Job that runs the shards of one run.
@Suite struct KubernetesManifestTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/kubernetes")

    @Test("the manifest parses, and its Job is Indexed with one completion per shard")
    func indexedJob() throws {
        let text = try String(
            contentsOf: Self.directory.appendingPathComponent("clickswarm-shards.yaml"), encoding: .utf8)
        let documents = try Array(Yams.load_all(yaml: text)).compactMap { $0 as? [String: Any] }
        let job = try #require(documents.first { $0["kind"] as? String == "Job" })
        let spec = try #require(job["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        let completions = try #require(spec["completions"] as? Int)
        #expect(spec["parallelism"] as? Int == completions)
        let template = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try #require((template["containers"] as? [[String: Any]])?.first)
        let environment = try #require(container["env"] as? [[String: Any]])
        let shards = environment.first { $0["name"] as? String == "SHARDS" }?["value"] as? String
        #expect(shards == String(completions))
        #expect((container["command"] as? [String])?.first?.hasSuffix("run-shard.sh") == true)
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.directory.appendingPathComponent("run-shard.sh").path))
    }
}

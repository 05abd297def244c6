import Foundation
import Testing

@testable import SwarmPrimitives

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Files, with errors in words")
struct FileIOTests {
    static func folder() throws -> String {
        let path = NSTemporaryDirectory() + "fileio-\(UUID().uuidString)"
        try FileIO.makeDirectory(path + "/a/b")
        return path
    }

    @Test("write replaces atomically and leaves no temporary file; create never replaces")
    func writeAndCreate() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/a/b/report.json"
        try FileIO.write(Array("one".utf8), to: path)
        try FileIO.write(Array("two".utf8), to: path)
        #expect(try FileIO.read(path) == Array("two".utf8))
        #expect(throws: FileIO.Failure.self) { try FileIO.create(Array("three".utf8), at: path) }
        do {
            try FileIO.create(Array("three".utf8), at: path)
        } catch {
            #expect(error.alreadyExists)
        }
        #expect(try FileIO.read(path) == Array("two".utf8))
        try FileIO.create(Array("new".utf8), at: folder + "/a/new.json")
        #expect(try FileIO.read(folder + "/a/new.json") == Array("new".utf8))
        let left = try FileManager.default.contentsOfDirectory(atPath: folder + "/a/b")
        #expect(left == ["report.json"])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test("reserve takes a name once")
    func reserve() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileIO.reserve(folder + "/run.partial.json")
        #expect(throws: FileIO.Failure.self) { try FileIO.reserve(folder + "/run.partial.json") }
    }

    @Test("a device is written in place, never replaced: /dev/full says the disk is full")
    func devices() throws {
        do {
            try FileIO.write(Array("x".utf8), to: "/dev/full")
            Issue.record("writing /dev/full succeeded")
        } catch {
            #expect(error.description == "/dev/full: cannot write it: No space left on device")
        }
        var info = stat()
        #expect(stat("/dev/full", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "/dev/full must stay a device")
        try FileIO.write(Array("discarded".utf8), to: "/dev/null")
    }

    @Test("reading refuses what is not a regular file, saying what it is")
    func readRefusals() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        let cases: [(String, String)] = [
            ("/dev/zero", "/dev/zero: is a device, not a regular file"),
            (fifo, "\(fifo): is a FIFO (a named pipe), not a regular file"),
            (folder, "\(folder): is a folder, not a file"),
            (folder + "/missing", "\(folder)/missing: cannot open it: No such file or directory"),
        ]
        for (path, message) in cases {
            do {
                _ = try FileIO.read(path)
                Issue.record("\(path) was read")
            } catch {
                #expect(error.description == message)
            }
        }
        try FileIO.write(Array(repeating: 1, count: 100), to: folder + "/big")
        #expect(throws: FileIO.Failure.self) { try FileIO.read(folder + "/big", limit: 99) }
    }

    @Test("a folder cannot be made under a file, and says so")
    func folderUnderAFile() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileIO.write(Array("x".utf8), to: folder + "/file")
        do {
            try FileIO.makeDirectory(folder + "/file/reports")
            Issue.record("made a folder under a file")
        } catch {
            #expect(error.description == "\(folder)/file: exists and is not a folder")
        }
    }
}

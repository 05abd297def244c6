#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files ClickSwarm reads and writes, with errors in the system's own words ("No space left on
/// device", "Read-only file system", "Not a directory") and the path, never a bare
/// "NSCocoaErrorDomain error 512". Writes are atomic (a temporary file in the same folder,
/// flushed to disk, then renamed into place), so a reader never sees half a report.
package enum FileIO {
    /// What went wrong with which file.
    package struct Failure: Error, Equatable, CustomStringConvertible {
        package var path: String
        package var reason: String
        /// The system's error number, when the system said no.
        package var code: Int32?

        package init(path: String, reason: String, code: Int32? = nil) {
            self.path = path
            self.reason = reason
            self.code = code
        }

        package var description: String { "\(path): \(reason)" }

        /// The file already exists (from `create`).
        package var alreadyExists: Bool { code == EEXIST }
    }

    /// The system's words for the current `errno`.
    static func failure(_ path: String, _ doing: String, _ code: Int32 = errno) -> Failure {
        Failure(path: path, reason: "\(doing): \(String(cString: strerror(code)))", code: code)
    }

    /// Creates `path` and its parents; an existing folder is fine, an existing file is not.
    package static func makeDirectory(_ path: String) throws(Failure) {
        guard !path.isEmpty else { throw Failure(path: path, reason: "an empty path is not a folder") }
        var isFolder: stat = stat()
        if stat(path, &isFolder) == 0 {
            guard isFolder.st_mode & S_IFMT == S_IFDIR else {
                throw Failure(path: path, reason: "exists and is not a folder", code: ENOTDIR)
            }
            return
        }
        let parent = Self.parent(of: path)
        if parent != path, !parent.isEmpty { try makeDirectory(parent) }
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw failure(path, "cannot create the folder") }
    }

    /// Writes `bytes` to `path` atomically, replacing the regular file that was there. A device or
    /// a FIFO (`/dev/stdout`, a named pipe) is written in place, never replaced; a folder is
    /// refused.
    package static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw Failure(path: path, reason: "is a folder, not a file", code: EISDIR)
            default: return try writeInPlace(bytes, to: path)
            }
        }
        let temporary = try writeTemporary(bytes, beside: path)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw failure(path, "cannot put the file in place", code)
        }
    }

    /// Writes `bytes` to `path` atomically unless `path` exists (`Failure.alreadyExists`).
    package static func create(_ bytes: [UInt8], at path: String) throws(Failure) {
        let temporary = try writeTemporary(bytes, beside: path)
        defer { unlink(temporary) }
        // link(2) fails when the name is taken, where rename(2) would replace it.
        if link(temporary, path) != 0 { throw failure(path, "cannot create the file") }
    }

    /// Creates `path` empty, unless it exists (`Failure.alreadyExists`): a name taken for a run.
    package static func reserve(_ path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(path, "cannot create the file") }
        close(descriptor)
    }

    /// Removes `path`; a missing file is fine.
    package static func remove(_ path: String) {
        unlink(path)
    }

    /// Whether `path` names something (a file, a folder, anything).
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The contents of the regular file `path`, at most `limit` bytes: a device (`/dev/zero`), a
    /// FIFO or a folder is refused with what it is, a larger file with its size.
    package static func read(_ path: String, limit: Int = 1 << 31) throws(Failure) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw failure(path, "cannot open it") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(path, "cannot read it") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw Failure(path: path, reason: "is a folder, not a file", code: EISDIR)
        case S_IFIFO: throw Failure(path: path, reason: "is a FIFO (a named pipe), not a regular file")
        case S_IFCHR, S_IFBLK: throw Failure(path: path, reason: "is a device, not a regular file")
        case S_IFSOCK: throw Failure(path: path, reason: "is a socket, not a regular file")
        default: throw Failure(path: path, reason: "is not a regular file")
        }
        guard info.st_size <= limit else {
            throw Failure(path: path, reason: "is \(info.st_size) bytes, more than the \(limit) bytes it may have")
        }
        // Files under /proc say they are empty and are read to their end instead.
        let streamed = info.st_size == 0
        var bytes = [UInt8](repeating: 0, count: streamed ? 4096 : Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress! + done, $0.count - done) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw failure(path, "cannot read it") }
            if count == 0 { break }
            done += count
            if streamed, done == bytes.count {
                guard bytes.count < limit else {
                    throw Failure(path: path, reason: "has more than the \(limit) bytes it may have")
                }
                bytes += [UInt8](repeating: 0, count: min(bytes.count, limit - bytes.count))
            }
        }
        return Array(bytes[..<done])
    }

    /// The folder part of `path` (`.` for a bare name).
    package static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Writes `bytes` straight to the existing device or FIFO at `path`.
    private static func writeInPlace(_ bytes: [UInt8], to path: String) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, "cannot open it for writing") }
        defer { close(descriptor) }
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress! + done, $0.count - done) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw failure(path, "cannot write it") }
            done += count
        }
    }

    /// Writes `bytes` to a new temporary file in `path`'s folder and flushes it to disk.
    private static func writeTemporary(_ bytes: [UInt8], beside path: String) throws(Failure) -> String {
        let folder = parent(of: path)
        var template = Array("\(folder)/.clickswarm-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure(path, "cannot write in \(folder)") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress! + done, $0.count - done) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw failure(path, "cannot write the file", code)
            }
            done += count
        }
        let synced = fsync(descriptor) == 0 ? 0 : errno
        let closed = close(descriptor) == 0 ? 0 : errno
        guard synced == 0, closed == 0 else {
            unlink(temporary)
            throw failure(path, "cannot write the file", synced != 0 ? synced : closed)
        }
        fchmodTemporary(temporary)
        return temporary
    }

    private static func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.read(descriptor, buffer, count)
        #else
            Darwin.read(descriptor, buffer, count)
        #endif
    }

    private static func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.write(descriptor, buffer, count)
        #else
            Darwin.write(descriptor, buffer, count)
        #endif
    }

    /// mkstemp makes the file 0600; a report is for everyone who may read the folder.
    private static func fchmodTemporary(_ path: String) {
        chmod(path, 0o644)
    }
}

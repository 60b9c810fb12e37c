import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes all of `bytes` to `fd` with POSIX write(2), retrying short writes and EINTR; returns 0
/// or the errno of the failure. (A free function: `AtomicFile`'s `write` methods would shadow
/// write(2) inside it.) Shared by `AtomicFile` and `PartialFile`.
func writeFully(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
    var off = 0
    while off < bytes.count {
        let n = write(fd, bytes.baseAddress! + off, bytes.count - off)
        if n < 0 { if errno == EINTR { continue }; return errno }
        off += n
    }
    return 0
}

/// Writes files so that a reader never sees a half-written result: the bytes go to a
/// temporary `NAME.<pid>-<n>.partial` in the same folder (unique per writer, so two
/// processes never share one), then are renamed over `NAME` (atomic on POSIX).
public enum AtomicFile {
    /// Why a write failed, naming the file and the folder (not a raw Cocoa error).
    public struct WriteError: Error, CustomStringConvertible, Sendable {
        /// The file (or folder) that could not be written.
        public let path: String
        /// Why, in words (the system's message where there is one).
        public let reason: String
        /// `cannot write PATH: REASON`.
        public var description: String { "cannot write \(path): \(reason)" }
    }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// The folder exists (created if needed) and is writable; otherwise a message naming it.
    public static func prepareDirectory(_ dir: URL) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw WriteError(path: dir.path, reason: "exists and is not a folder") }
        } else {
            var current = dir.path.hasPrefix("/") ? "" : "."
            for part in dir.path.split(separator: "/") {
                current += "/" + part
                if mkdir(current, 0o755) != 0, errno != EEXIST {
                    throw WriteError(path: dir.path, reason: "the folder cannot be created (\(reason(errno)))")
                }
            }
        }
        guard access(dir.path, W_OK | X_OK) == 0 else {
            throw WriteError(path: dir.path, reason: "the folder is not writable (\(reason(errno)))")
        }
    }

    /// `permissions` (e.g. 0o755 for a script) is set on the temporary file before the
    /// rename, so the file never appears without them.
    public static func write(_ data: Data, to url: URL, permissions: Int? = nil) throws {
        try writeAll([(url, data)], permissions: permissions)
    }

    /// Writes `text` as UTF-8 to `url` atomically, like the `Data` variant.
    /// - Throws: ``WriteError`` naming the file or folder.
    public static func write(_ text: String, to url: URL, permissions: Int? = nil) throws {
        try write(Data(text.utf8), to: url, permissions: permissions)
    }

    /// Publishes several files together: every one is written to its temporary first, and
    /// only when all are complete are they renamed into place (one rename each, back to
    /// back). A failure before the renames leaves none of them changed.
    public static func writeAll(_ files: [(url: URL, data: Data)], permissions: Int? = nil) throws {
        // Each PartialFile checks (and creates) its folder before opening its temporary.
        var parts: [PartialFile] = []
        do {
            for f in files {
                let part = try PartialFile(f.url, permissions: permissions)
                parts.append(part)
                try part.append(bytes: f.data)
            }
        } catch {
            parts.forEach { $0.discard() }
            throw error
        }
        try PartialFile.publish(parts)
    }

    /// Publishes several text files together (UTF-8), all or none; see the `Data` variant.
    /// - Throws: ``WriteError`` naming the file or folder.
    public static func writeAll(_ files: [(url: URL, text: String)], permissions: Int? = nil) throws {
        try writeAll(files.map { ($0.url, Data($0.text.utf8)) }, permissions: permissions)
    }
}

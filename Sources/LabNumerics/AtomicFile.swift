import Foundation

/// Writes files so that a reader never sees a half-written result: the bytes go
/// to `NAME.partial` in the same folder, then are renamed over `NAME` (atomic on POSIX).
public enum AtomicFile {
    /// `permissions` (e.g. 0o755 for a script) is set on the temporary file before the
    /// rename, so the file never appears without them.
    public static func write(_ data: Data, to url: URL, permissions: Int? = nil) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(url.lastPathComponent + ".partial")
        try data.write(to: tmp)
        if let permissions {
            do { try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: tmp.path) } catch {
                try? FileManager.default.removeItem(at: tmp)
                throw error
            }
        }
        if rename(tmp.path, url.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: tmp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path, "errno": code])
        }
    }

    public static func write(_ text: String, to url: URL, permissions: Int? = nil) throws {
        try write(Data(text.utf8), to: url, permissions: permissions)
    }
}

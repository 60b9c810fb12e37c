import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run owns an output folder at a time. The owner holds an exclusive `flock` on
/// `FOLDER/.auctionlab.lock`, whose text (one JSON line) names it: command, spec, seed,
/// pid, host, start time. A second run refuses, naming the owner. The kernel drops the
/// `flock` when its process dies, so a lock file left by a killed run is *stale*: the next
/// run takes it over and says so (``note``).
public final class OutputLock: @unchecked Sendable {
    /// The lock file's name inside the output folder.
    public static let defaultName = ".auctionlab.lock"

    /// Who holds (or held) the lock: written into the lock file, quoted in refusals.
    public struct Owner: Codable, Sendable, Equatable {
        /// The command line of the owning run.
        public var command: String
        /// The spec it runs.
        public var spec: String
        /// Its seed, as text.
        public var seed: String
        /// Process id of the owner (checked for liveness to detect stale locks).
        public var pid: Int32
        /// Host name of the owner.
        public var host: String
        /// Start time, ISO 8601.
        public var started: String

        /// An owner record for this process (pid, host and start time default to the current ones).
        public init(command: String, spec: String, seed: String,
                    pid: Int32 = getpid(), host: String = ProcessInfo.processInfo.hostName, started: Date = Date()) {
            self.command = command; self.spec = spec; self.seed = seed; self.pid = pid; self.host = host
            self.started = ISO8601DateFormatter().string(from: started)
        }

        /// The owner in one line, for refusals.
        public var description: String {
            "`\(command)` (spec \(spec), seed \(seed); pid \(pid) on \(host), started \(started))"
        }
    }

    /// Why a folder could not be locked.
    public enum LockError: Error, CustomStringConvertible, Equatable, Sendable {
        /// Another live run holds the folder.
        case busy(folder: String, owner: String, lockFile: String)
        /// The folder cannot be created or written.
        case unusable(folder: String, reason: String)

        /// What happened and what to do, naming the folder and, when busy, the owner.
        public var description: String {
            switch self {
            case let .busy(folder, owner, file):
                return "output folder \(folder) is in use by another run: \(owner); nothing was written. Wait for it to finish or choose another --out (if that run is gone, delete \(file))"
            case let .unusable(folder, reason):
                return "cannot write to output folder \(folder): \(reason)"
            }
        }
    }

    /// The output folder this lock owns.
    public let url: URL
    /// Set when a stale lock (its run no longer alive) was taken over: says whose.
    public let note: String?
    private var fd: Int32

    private init(url: URL, fd: Int32, note: String?) { self.url = url; self.fd = fd; self.note = note }

    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// `mkdir -p`: nil, or the errno of the first level that could not be made.
    static func makeDirectories(_ path: String) -> Int32? {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0, errno != EEXIST { return errno }
        }
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue ? nil : ENOTDIR
    }

    static func alive(_ pid: Int32) -> Bool { pid > 0 && (kill(pid, 0) == 0 || errno == EPERM) }

    /// Creates `directory` if needed and takes its lock, or throws ``LockError``.
    public static func acquire(directory: URL, owner: Owner, name: String = defaultName) throws -> OutputLock {
        let folder = directory.path
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) {
            guard isDir.boolValue else { throw LockError.unusable(folder: folder, reason: "it exists and is not a folder") }
        } else {
            if let code = makeDirectories(folder) { throw LockError.unusable(folder: folder, reason: "it cannot be created (\(errorText(code)))") }
        }
        guard access(folder, W_OK | X_OK) == 0 else {
            throw LockError.unusable(folder: folder, reason: "it is not writable (\(errorText(errno)))")
        }
        let url = directory.appendingPathComponent(name)
        for _ in 0..<50 {
            let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw LockError.unusable(folder: folder, reason: "cannot create \(name) (\(errorText(errno)))") }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let previous = read(fd)
                close(fd)
                throw LockError.busy(folder: folder, owner: describe(previous), lockFile: url.path)
            }
            // The holder before us may have unlinked the file after we opened it: then this
            // lock is on a dead inode and someone may have a new file. Start again.
            var mine = stat(), current = stat()
            guard fstat(fd, &mine) == 0, stat(url.path, &current) == 0, mine.st_ino == current.st_ino, mine.st_dev == current.st_dev else {
                close(fd); continue
            }
            let previous = read(fd)
            var note: String?
            if !previous.isEmpty {
                let old = try? JSONDecoder().decode(Owner.self, from: Data(previous.utf8))
                if let old, old.host == owner.host, old.pid != getpid(), alive(old.pid) {
                    // No flock, yet the recorded process lives: a filesystem without locks,
                    // or a reused pid. Do not guess; refuse.
                    close(fd)
                    throw LockError.busy(folder: folder, owner: describe(previous) + " (process still alive)", lockFile: url.path)
                }
                note = "took over a stale lock in \(folder) left by \(describe(previous)), which is no longer running; its results may be incomplete"
            }
            var text = String(decoding: (try? JSONEncoder.sorted.encode(owner)) ?? Data(), as: UTF8.self)
            text += "\n"
            guard ftruncate(fd, 0) == 0, pwriteAll(fd, Array(text.utf8)) else {
                let code = errno
                close(fd)
                throw LockError.unusable(folder: folder, reason: "cannot write \(name) (\(errorText(code)))")
            }
            return OutputLock(url: url, fd: fd, note: note)
        }
        throw LockError.unusable(folder: folder, reason: "the lock file \(name) keeps being replaced by other runs")
    }

    static func describe(_ text: String) -> String {
        if let o = try? JSONDecoder().decode(Owner.self, from: Data(text.utf8)) { return o.description }
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? "a run that has not yet recorded itself" : "an unknown run (lock file says: \(t.prefix(200)))"
    }

    static func read(_ fd: Int32) -> String {
        var out: [UInt8] = [], buf = [UInt8](repeating: 0, count: 4096), off: off_t = 0
        while true {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off) }
            if n <= 0 { break }
            out += buf[..<n]; off += off_t(n)
            if out.count > 1 << 16 { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func pwriteAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + off, bytes.count - off, off_t(off)) }
            if n < 0 { if errno == EINTR { continue }; return false }
            off += n
        }
        return true
    }

    /// Removes the lock file and drops the lock (idempotent; also on deinit).
    public func release() {
        guard fd >= 0 else { return }
        unlink(url.path)
        close(fd)
        fd = -1
    }

    deinit { release() }
}

extension JSONEncoder {
    static var sorted: JSONEncoder { let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]; return e }
}

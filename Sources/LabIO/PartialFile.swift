import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written piece by piece to a temporary `NAME.<pid>-<n>.partial` beside it and
/// published by rename (``publish(_:)``), so a reader never sees it half-written and a failed
/// run leaves nothing: the streaming counterpart of `AtomicFile.writeAll` for outputs too large
/// to build in memory (a merged `trials.csv`), and the one writer under `AtomicFile` too.
/// Appends are buffered (1 MiB). Every failure is an `AtomicFile.WriteError` naming the file.
public final class PartialFile {
    /// The file published by ``publish(_:)``.
    public let url: URL
    let temporary: URL
    private var fd: Int32
    private var buffer: [UInt8] = []
    private static let flushAt = 1 << 20
    nonisolated(unsafe) private static var counter = 0
    private static let counterLock = NSLock()

    /// Creates the folder if needed (a clear message if it cannot be, or is not writable) and
    /// opens a fresh temporary next to `url`; `permissions` (e.g. 0o755 for a script) is set on
    /// the temporary, so the file never appears without them.
    public init(_ url: URL, permissions: Int? = nil) throws {
        self.url = url
        let dir = url.deletingLastPathComponent()
        try AtomicFile.prepareDirectory(dir)
        Self.counterLock.lock(); Self.counter += 1; let n = Self.counter; Self.counterLock.unlock()
        temporary = dir.appendingPathComponent("\(url.lastPathComponent).\(getpid())-\(n).partial")
        fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(permissions ?? 0o644))
        guard fd >= 0 else { throw PartialFileError(path: url.path, reason: "cannot create a file in \(dir.path) (\(String(cString: strerror(errno))))") }
        // The mode given to open() is masked by the umask; set it exactly.
        if let permissions, fchmod(fd, mode_t(permissions)) != 0 {
            let why = String(cString: strerror(errno))
            discard()
            throw PartialFileError(path: url.path, reason: why)
        }
        buffer.reserveCapacity(Self.flushAt + 4096)
    }

    /// Appends `text` as UTF-8 (buffered; flushed at 1 MiB).
    /// - Throws: ``PartialFileError`` when a flush fails.
    public func append(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.flushAt { try flush() }
    }

    /// Appends raw bytes (buffered; flushed at 1 MiB).
    /// - Throws: ``PartialFileError`` when a flush fails.
    public func append<Bytes: Sequence>(bytes: Bytes) throws where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushAt { try flush() }
    }

    /// Appends through `body`, which writes into the buffer directly (no intermediate strings).
    public func append(_ body: (inout [UInt8]) -> Void) throws {
        body(&buffer)
        if buffer.count >= Self.flushAt { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        let failure = buffer.withUnsafeBytes { writeFully(fd, $0) }
        buffer.removeAll(keepingCapacity: true)
        if failure != 0 { throw PartialFileError(path: url.path, reason: String(cString: strerror(failure))) }
    }

    /// Drops the temporary (a failed or refused run).
    public func discard() {
        if fd >= 0 { close(fd); fd = -1 }
        unlink(temporary.path)
    }

    /// Flushes and closes every file, then renames each over its target, back to back; on a
    /// failure before the renames none of the targets is changed and the temporaries are gone.
    public static func publish(_ files: [PartialFile]) throws {
        do {
            for f in files {
                try f.flush()
                if close(f.fd) != 0 { f.fd = -1; throw PartialFileError(path: f.url.path, reason: String(cString: strerror(errno))) }
                f.fd = -1
            }
        } catch {
            files.forEach { $0.discard() }
            throw error
        }
        for (k, f) in files.enumerated() where rename(f.temporary.path, f.url.path) != 0 {
            let why = String(cString: strerror(errno))
            files[k...].forEach { $0.discard() }
            throw PartialFileError(path: f.url.path, reason: why)
        }
    }

    deinit { if fd >= 0 { close(fd); unlink(temporary.path) } }
}

/// Why a streamed file could not be created, written or published: the one write error.
public typealias PartialFileError = AtomicFile.WriteError

/// Pieces of CSV lines built without going through a writer per field: text fields quoted by
/// CSV.swift (once per distinct value — ``csvField(_:)``), numbers formatted like ``num(_:)``
/// straight into a byte buffer. A line built from these is byte-identical to the line
/// ``csvText(_:_:)`` writes for the same fields (tests compare whole files).
public func csvField(_ text: String) throws -> String {
    String(try csvText([text], []).dropLast())
}

/// Appends ``num(_:)`` of `x` (`%.10g`, or `nan`) to `buffer`.
public func appendNum(_ x: Double, to buffer: inout [UInt8]) {
    guard x.isFinite else { buffer.append(contentsOf: "nan".utf8); return }
    withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { p in
        let n = withVaList([x]) { vsnprintf(p.baseAddress!, 32, "%.10g", $0) }
        p.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: 32) { buffer.append(contentsOf: UnsafeBufferPointer(start: $0, count: Int(n))) }
    }
}

/// Appends the decimal digits of `x` to `buffer`.
public func appendInt<I: BinaryInteger>(_ x: I, to buffer: inout [UInt8]) {
    if x == 0 { buffer.append(UInt8(ascii: "0")); return }
    if x < 0 { buffer.append(UInt8(ascii: "-")) }
    let start = buffer.count
    var v = x
    while v != 0 { let d = Int(v % 10); buffer.append(UInt8(ascii: "0") + UInt8(d < 0 ? -d : d)); v /= 10 }
    buffer[start...].reverse()
}

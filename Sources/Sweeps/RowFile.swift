import Experiments
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// POSIX read(2), outside `RowFile` whose `read` would shadow it.
private func sysRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, p, n) }

/// The compact file of finished sweep items: the journal of a running sweep or shard and,
/// renamed once every item is in, the shard file that `auctionlab merge` reads.
///
/// Layout: one text line naming what wrote it,
///
///     auctionlab-rows 1 spec=<16 hex> seed=<seed> trials=<T> shard=<i>/<n> items=<slots> mechanisms=<M> [extras=<E>] inputs=<hex>,…
///
/// then one fixed-size binary slot per item of the shard, in canonical item order (slot `r`
/// holds the shard's `r`-th item, so a finished file is already sorted for the merge). A slot
/// is `item` (UInt32), then per mechanism total payment, true cost, virtual cost, bid cost
/// and the three tier shares (Float64 bit patterns, exact) and the solver calls (UInt32), then
/// a 32-bit check (FNV-1a over the spec hash and the slot): 8 + 60·M bytes, little-endian.
/// A spec with equilibrium entries stores E = ``EquilibriumMeasures/stored`` more Float64 per
/// row after the solver calls (`extras=E` in the header, absent when 0): 8 + (60 + 8E)·M bytes.
/// An all-zero slot is an item not run yet. Items are written in place with `pwrite`, so a
/// kill loses at most the slots being written; their check fails and `--resume` runs them again.
public enum RowFile {
    static let magic = "auctionlab-rows"
    static let version = 1
    /// Values stored per mechanism row.
    static let doublesPerRow = 7
    static let bytesPerRow = doublesPerRow * 8 + 4

    /// What a file says about itself; the merge and `--resume` compare it with the spec.
    public struct Header: Equatable, Sendable {
        /// 64-bit hash of the spec that wrote the file (hex in the header line).
        public let specHash: UInt64
        /// The spec's master seed.
        public let seed: UInt64
        /// Trials per point and topology of the spec (> 0).
        public let trials: Int
        /// The shard the file belongs to (`all` = 0/1 for an unsharded journal).
        public let shard: ShardID
        /// Number of item slots in the file (≥ 0).
        public let slots: Int
        /// Mechanisms per item (rows per slot, 1…1,000).
        public let mechanisms: Int
        /// Extra Float64 values per row (equilibrium measures); 0 for most specs.
        public var extras: Int = 0
        /// Content fingerprints of the market and topology files the rows depend on
        /// (``SweepRunner/inputs``, in that order); empty in files written before they existed.
        public var inputs: [UInt64] = []

        /// Bytes per slot: 8 + (60 + 8 × extras) × mechanisms.
        public var recordSize: Int { 8 + mechanisms * (RowFile.bytesPerRow + 8 * extras) }

        var line: String {
            "\(RowFile.magic) \(RowFile.version) spec=\(String(specHash, radix: 16)) seed=\(seed) trials=\(trials) shard=\(shard.index)/\(shard.count) items=\(slots) mechanisms=\(mechanisms)\(extras > 0 ? " extras=\(extras)" : "")" +
                (inputs.isEmpty ? "" : " inputs=" + inputs.map { String($0, radix: 16) }.joined(separator: ",")) + "\n"
        }

        /// Parses the first line; nil with the reason when it is not a row-file header.
        static func parse(_ line: Substring) -> Result<Header, HeaderProblem> {
            let words = line.split(separator: " ")
            guard words.first == Substring(RowFile.magic) else { return .failure(HeaderProblem(reason: "does not start with `\(RowFile.magic)` (not a shard or journal of this auctionlab)")) }
            guard words.count >= 2, words[1] == "\(RowFile.version)" else { return .failure(HeaderProblem(reason: "is row-file version \(words.count > 1 ? String(words[1]) : "?"), this auctionlab reads version \(RowFile.version)")) }
            var f: [String: Substring] = [:]
            for w in words.dropFirst(2) {
                guard let eq = w.firstIndex(of: "=") else { return .failure(HeaderProblem(reason: "word \"\(w)\" is not key=value")) }
                f[String(w[..<eq])] = w[w.index(after: eq)...]
            }
            func need<T>(_ key: String, _ parse: (Substring) -> T?) throws -> T {
                guard let v = f[key] else { throw HeaderProblem(reason: "lacks \(key)=") }
                guard let x = parse(v) else { throw HeaderProblem(reason: "has \(key)=\(v), which is not valid") }
                return x
            }
            do {
                let hash = try need("spec") { UInt64($0, radix: 16) }
                let seed = try need("seed") { UInt64($0) }
                let trials = try need("trials") { Int($0).flatMap { $0 > 0 ? $0 : nil } }
                let shard = try need("shard") { s -> ShardID? in
                    let p = s.split(separator: "/")
                    guard p.count == 2, let i = Int(p[0]), let n = Int(p[1]) else { return nil }
                    return try? ShardID(i, of: n)
                }
                let slots = try need("items") { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
                let mechs = try need("mechanisms") { Int($0).flatMap { (1...1000).contains($0) ? $0 : nil } }
                let extras = f["extras"] == nil ? 0 : try need("extras") { Int($0).flatMap { (1...64).contains($0) ? $0 : nil } }
                let inputs = f["inputs"] == nil ? [] : try need("inputs") { v -> [UInt64]? in
                    let hs = v.split(separator: ",").map { UInt64($0, radix: 16) }
                    return hs.contains(nil) || hs.isEmpty ? nil : hs.map { $0! }
                }
                return .success(Header(specHash: hash, seed: seed, trials: trials, shard: shard, slots: slots, mechanisms: mechs, extras: extras, inputs: inputs))
            } catch let e as HeaderProblem { return .failure(e) } catch { return .failure(HeaderProblem(reason: "\(error)")) }
        }
    }
    struct HeaderProblem: Error, Equatable { let reason: String }

    /// One mechanism's numbers for one item (the measured part of a `TrialRow`).
    public struct Measures: Equatable, Sendable {
        /// Total payment, true, virtual and bid cost, in $ (as in ``TrialRow``).
        public var totalPayment, trueCost, virtualCost, bidCost: Double
        /// Workload share of each of the three tiers, in [0, 1].
        public var tierShare: [Double]
        /// Allocation-solver calls (stored as UInt32, clamped).
        public var solverCalls: Int
        /// ``EquilibriumMeasures`` (the header's `extras` values; empty when it has none).
        public var equilibrium: [Double]

        init(_ r: TrialRow) {
            totalPayment = r.totalPayment; trueCost = r.trueCost; virtualCost = r.virtualCost; bidCost = r.bidCost
            tierShare = r.tierShare; solverCalls = r.solverCalls; equilibrium = r.equilibrium
        }
        init(totalPayment: Double, trueCost: Double, virtualCost: Double, bidCost: Double, tierShare: [Double], solverCalls: Int,
             equilibrium: [Double] = []) {
            self.totalPayment = totalPayment; self.trueCost = trueCost; self.virtualCost = virtualCost; self.bidCost = bidCost
            self.tierShare = tierShare; self.solverCalls = solverCalls; self.equilibrium = equilibrium
        }

        /// A value no run can produce (the field, e.g. `rows[1].totalPayment`, and why), or nil.
        func problem(row j: Int) -> (String, String)? {
            for (name, v) in [("totalPayment", totalPayment), ("trueCost", trueCost), ("bidCost", bidCost), ("virtualCost", virtualCost)] {
                guard v.isFinite else { return ("rows[\(j)].\(name)", "is not a finite number (\(v))") }
                guard v >= 0 else { return ("rows[\(j)].\(name)", "is negative (\(v)); payments and costs are ≥ 0") }
            }
            for (t, v) in tierShare.enumerated() where !(v.isFinite && v >= 0 && v <= 1 + 1e-9) {
                return ("rows[\(j)].tierShare[\(t)]", "must be a share in [0, 1] (got \(v))")
            }
            // Equilibrium measures: all NaN (not an equilibrium entry) or all finite, payments and
            // the ε-sum ≥ 0 (ε may be slightly negative: the certificate is cross-fitted). Relative
            // ε (values 1 and 2) may be +∞: an agent with zero equilibrium utility that can gain.
            // STAR's payment and the Myerson gap (values 5–8) are NaN together when the spec has
            // no `star`; the gap (6–8) may be negative.
            if !equilibrium.isEmpty && !equilibrium.allSatisfy(\.isNaN) {
                let noStar = equilibrium.count > 8 && equilibrium[5...8].allSatisfy(\.isNaN)
                for (t, v) in equilibrium.enumerated() {
                    if noStar && (5...8).contains(t) { continue }
                    let nonNegative = t >= 3 && !(6...8).contains(t)
                    if !(v.isFinite || ((1...2).contains(t) && v == .infinity)) || (nonNegative && v < 0) {
                        return ("rows[\(j)].equilibrium[\(t)]", "must be a finite number\(nonNegative ? " ≥ 0" : "") (got \(v))")
                    }
                }
            }
            return nil
        }
    }

    // MARK: slots of a shard

    /// Number of trials of `0..<trials` in `shard`.
    static func trialsIn(_ shard: ShardID, trials: Int) -> Int { shard.index < trials ? (trials - 1 - shard.index) / shard.count + 1 : 0 }

    /// The slot of item `k` in `shard`'s file (items are blocks of `trials` consecutive trials).
    static func slot(ofItem k: Int, shard: ShardID, trials: Int) -> Int {
        (k / trials) * trialsIn(shard, trials: trials) + (k % trials - shard.index) / shard.count
    }

    /// The item in slot `r` of `shard`'s file.
    static func item(inSlot r: Int, shard: ShardID, trials: Int) -> Int {
        let c = trialsIn(shard, trials: trials)
        return (r / c) * trials + shard.index + (r % c) * shard.count
    }

    // MARK: encoding

    static func check(_ bytes: UnsafeRawBufferPointer, specHash: UInt64) -> UInt32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        withUnsafeBytes(of: specHash.littleEndian) { for b in $0 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return UInt32(truncatingIfNeeded: h ^ (h >> 32))
    }

    static func encode(item: Int, rows: [Measures], header: Header) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: header.recordSize)
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(item).littleEndian, toByteOffset: 0, as: UInt32.self)
            var off = 4
            for r in rows {
                for v in [r.totalPayment, r.trueCost, r.virtualCost, r.bidCost] + r.tierShare {
                    raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: off, as: UInt64.self); off += 8
                }
                raw.storeBytes(of: UInt32(clamping: r.solverCalls).littleEndian, toByteOffset: off, as: UInt32.self); off += 4
                for e in 0..<header.extras {
                    let v = e < r.equilibrium.count ? r.equilibrium[e] : .nan
                    raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: off, as: UInt64.self); off += 8
                }
            }
            let c = check(UnsafeRawBufferPointer(rebasing: raw[0..<off]), specHash: header.specHash)
            raw.storeBytes(of: c.littleEndian, toByteOffset: off, as: UInt32.self)
        }
        return out
    }

    /// What a slot holds.
    enum Slot {
        case empty
        /// The check does not match: torn by a kill, edited, or written under another spec.
        case corrupt
        case item(Int, [Measures])
    }

    static func decode(_ raw: UnsafeRawBufferPointer, header: Header) -> Slot {
        if raw.allSatisfy({ $0 == 0 }) { return .empty }
        let end = raw.count - 4
        let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: end, as: UInt32.self))
        guard stored == check(UnsafeRawBufferPointer(rebasing: raw[0..<end]), specHash: header.specHash) else { return .corrupt }
        let item = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
        var off = 4
        var rows: [Measures] = []
        rows.reserveCapacity(header.mechanisms)
        func double(_ at: Int) -> Double { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))) }
        for _ in 0..<header.mechanisms {
            let calls = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: off + 56, as: UInt32.self)))
            rows.append(Measures(totalPayment: double(off), trueCost: double(off + 8), virtualCost: double(off + 16), bidCost: double(off + 24),
                                 tierShare: [double(off + 32), double(off + 40), double(off + 48)], solverCalls: calls,
                                 equilibrium: (0..<header.extras).map { double(off + bytesPerRow + 8 * $0) }))
            off += bytesPerRow + 8 * header.extras
        }
        return .item(item, rows)
    }

    // MARK: files

    /// Why a file cannot be read as a row file (names the file).
    public struct FormatError: Error, CustomStringConvertible, Sendable {
        /// The file's path and what is wrong with it.
        public let file: String, reason: String
        /// `PATH: REASON`.
        public var description: String { "\(file): \(reason)" }
    }

    /// Reads the header of `url`; returns it with the byte offset of slot 0.
    static func readHeader(_ url: URL) throws -> (Header, Int) {
        guard let h = FileHandle(forReadingAtPath: url.path) else { throw FormatError(file: url.path, reason: "cannot be opened") }
        defer { try? h.close() }
        let head = (try? h.read(upToCount: 512)) ?? Data()
        guard let nl = head.firstIndex(of: UInt8(ascii: "\n")) else {
            throw FormatError(file: url.path, reason: head.isEmpty ? "is empty" : "has no header line (not a shard or journal of this auctionlab)")
        }
        let line = String(decoding: head[head.startIndex..<nl], as: UTF8.self)
        switch Header.parse(Substring(line)) {
        case let .success(header): return (header, nl - head.startIndex + 1)
        case let .failure(why): throw FormatError(file: url.path, reason: "the header \(why.reason)")
        }
    }

    /// Sequential reader of a row file's slots: one pass, through one fixed buffer (read(2)
    /// into it, no allocation per chunk), so reading any number of slots takes constant memory.
    final class Reader {
        let url: URL
        let header: Header
        private let fd: Int32
        private let buffer: UnsafeMutableRawBufferPointer
        private var start = 0, end = 0
        private var eof = false
        private(set) var nextSlot = 0

        init(_ url: URL) throws {
            self.url = url
            let (header, offset) = try RowFile.readHeader(url)
            self.header = header
            fd = open(url.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FormatError(file: url.path, reason: "cannot be opened (\(String(cString: strerror(errno))))") }
            guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else { close(fd); throw FormatError(file: url.path, reason: "cannot be read past its header") }
            buffer = .allocate(byteCount: max(1 << 20, 4 * header.recordSize), alignment: 8)
        }
        deinit { close(fd); buffer.deallocate() }

        /// The next slot (its index and content), or nil past the last slot or at the end of
        /// the file (a truncated file simply ends early).
        func next() -> (Int, Slot)? {
            guard nextSlot < header.slots else { return nil }
            let size = header.recordSize
            while end - start < size && !eof {
                if start > 0 {   // move the partial record to the front
                    if end > start { memmove(buffer.baseAddress!, buffer.baseAddress! + start, end - start) }
                    end -= start; start = 0
                }
                let n = sysRead(fd, buffer.baseAddress! + end, buffer.count - end)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { eof = true } else { end += n }
            }
            guard end - start >= size else { return nil }
            let r = nextSlot
            let slot = RowFile.decode(UnsafeRawBufferPointer(rebasing: buffer[start..<start + size]), header: header)
            start += size
            nextSlot += 1
            return (r, slot)
        }
    }

    /// Writes slots in place (thread-safe: `pwrite` at distinct offsets). Creates the file with
    /// its header, or reopens an existing one whose header is `header`.
    final class Writer: @unchecked Sendable {
        let header: Header
        private let fd: Int32
        private let offset: Int

        init(url: URL, header: Header) throws {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            self.header = header
            let line = Array(header.line.utf8)
            offset = line.count
            let exists = FileManager.default.fileExists(atPath: url.path)
            fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw FormatError(file: url.path, reason: "cannot be opened for writing (\(String(cString: strerror(errno))))") }
            if !exists || lseek(fd, 0, SEEK_END) == 0 {
                let n = line.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
                guard n == line.count else { close(fd); throw FormatError(file: url.path, reason: "cannot write its header (\(String(cString: strerror(errno))))") }
            }
        }
        deinit { close(fd) }

        func write(item: Int, slot: Int, rows: [Measures]) throws {
            let bytes = RowFile.encode(item: item, rows: rows, header: header)
            let at = off_t(offset + slot * header.recordSize)
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, at + off_t(done)) }
                if n < 0 { if errno == EINTR { continue }; throw ExperimentError.io("cannot write a journal slot: \(String(cString: strerror(errno)))") }
                done += n
            }
        }
    }
}

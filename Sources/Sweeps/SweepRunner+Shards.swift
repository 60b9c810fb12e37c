import Equilibrium
import Experiments
import Foundation
import HeapModule
import LabIO
import LabNumerics

extension SweepRunner {
    /// The journal of an unsharded run or of one shard, in the output folder.
    public static func journal(in dir: URL, shard: ShardID?) -> URL {
        dir.appendingPathComponent(shard?.journalName ?? "journal\(ShardID.fileExtension)")
    }

    /// Items that belong to `shard`.
    public func itemCount(of shard: ShardID) -> Int { points.count * topologies.count * RowFile.trialsIn(shard, trials: spec.trials) }

    /// A fingerprint of everything that decides the rows (seed, trials, topologies, mechanisms,
    /// parameter points); a row file written under another one is refused.
    public var specHash: UInt64 {
        var text = "seed=\(spec.seed)\ntrials=\(spec.trials)\ntopologies=\(topologies.map(\.name).joined(separator: ","))\n"
        text += "mechanisms=\(mechanisms.map(\.name).joined(separator: ","))\n"
        for p in points { text += "point=" + p.keys.sorted().map { "\($0):\(String(p[$0]!.bitPattern, radix: 16))" }.joined(separator: ",") + "\n" }
        // Equilibrium entries: their solver settings decide the rows too (absent otherwise, so
        // the hashes of other specs do not change).
        if hasEquilibrium, let c = mechanisms.lazy.compactMap({ $0 as? AtEquilibrium }).first?.config {
            text += "equilibrium=grid:\(c.grid),samples:\(c.samples),iterations:\(c.iterations),certificate:\(c.certificateSamples ?? 0),"
            text += "end:\(c.lowerEndKnot),target:\(String(c.target.bitPattern, radix: 16)),temperature:\(String(c.temperature.bitPattern, radix: 16))"
            // The default step size leaves the hash of specs written before `damping` existed as it was.
            if c.damping != EquilibriumSettings.defaultDamping { text += ",damping:\(String(c.damping.bitPattern, radix: 16))" }
            let e = spec.equilibrium ?? EquilibriumSettings()
            if e.usesReference {
                let r = e.referenceConfig
                text += ",reference:\(r.samples)x\(r.iterations),polish:\(e.polish)@\(e.polishOffset)"
            }
            text += ",certificate_max:\(c.certificateMaxSamples ?? 0)"
            // Settings added later are named only when on, so specs that turn them off keep their hash.
            if c.adaptiveKnots { text += ",adaptive_knots" }
            if c.stratifiedCertificate { text += ",stratified_certificate" }
            if c.polishRounds > 0 { text += ",final_polish:\(c.polishRounds)x\(c.polishSampleCount)/\(c.polishCellCount)" }
            // Gauss–Seidel became the default after sweeps had run with Jacobi: naming it keeps a
            // resumed run from mixing rows of the two solvers under one hash.
            if c.gaussSeidel { text += ",gauss_seidel" }
            if c.averagingShare != EquilibriumConfig.defaultAveragingShare { text += ",averaging:\(String(c.averagingShare.bitPattern, radix: 16))" }
            if c.annealing != EquilibriumConfig.defaultAnnealing { text += ",annealing:\(String(c.annealing.bitPattern, radix: 16))" }
            text += "\n"
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// Row files number items with 32 bits: a grid × topologies × trials beyond that is refused.
    func checkRowCapacity() throws {
        guard itemCount <= Int(UInt32.max) else {
            throw FieldError(file: spec.name, field: "trials", reason: "× topologies × parameter points = \(itemCount) items, more than a sweep can number (\(UInt32.max)); split the sweep into several specs")
        }
    }

    /// The header of this spec's row file for `shard`.
    func rowHeader(_ shard: ShardID) -> RowFile.Header {
        RowFile.Header(specHash: specHash, seed: spec.seed, trials: spec.trials, shard: shard,
                       slots: itemCount(of: shard), mechanisms: mechanisms.count, extras: hasEquilibrium ? EquilibriumMeasures.stored : 0,
                       inputs: inputs.map(\.hash))
    }

    /// Why a row file with `found` cannot hold `shard` of this spec, or nil.
    func headerMismatch(_ found: RowFile.Header, shard: ShardID) -> String? {
        if found.seed != spec.seed { return "has seed \(found.seed), this spec's seed is \(spec.seed): it was run with another spec" }
        if found.trials != spec.trials { return "was run with \(found.trials) trials, this spec has \(spec.trials) (another spec or --trials?)" }
        if found.shard != shard { return "holds shard \(found.shard), not \(shard) (renamed?)" }
        if found.extras != rowHeader(shard).extras { return "has \(found.extras) equilibrium values per row, this spec \(rowHeader(shard).extras): it was run with another spec" }
        if found.mechanisms != mechanisms.count { return "has \(found.mechanisms) mechanisms per item, this spec \(mechanisms.count): it was run with another spec" }
        if found.specHash != specHash { return "was run with another spec (topologies, mechanisms or parameter grid differ: spec \(String(found.specHash, radix: 16)), this one \(String(specHash, radix: 16)))" }
        if found.slots != itemCount(of: shard) { return "has \(found.slots) items, shard \(shard) of this spec \(itemCount(of: shard))" }
        if found.inputs.isEmpty {
            return "was written without fingerprints of the market and topology files (by an older auctionlab), so it cannot be checked against their contents; run it again"
        }
        if found.inputs.count != inputs.count { return "was run with \(found.inputs.count) market and topology files, this spec has \(inputs.count): it was run with another spec" }
        if let k = inputs.indices.first(where: { found.inputs[$0] != inputs[$0].hash }) {
            return "was run with other contents of \(inputs[k].file) (fingerprint \(String(found.inputs[k], radix: 16)), now \(String(inputs[k].hash, radix: 16))): the file changed since; restore it, or run every shard again"
        }
        return nil
    }

    /// The rows of item `k` from its measured numbers (names, seed and parameters come from the spec).
    func trialRows(item k: Int, _ ms: [RowFile.Measures]) -> [TrialRow] {
        let it = item(k)
        let seed = seed(trial: it.trial), params = points[it.point], topo = topologies[it.topology].name
        return zip(mechanisms, ms).map { mech, m in
            TrialRow(topology: topo, mechanism: mech.name, trial: it.trial, seed: seed, parameters: params,
                     totalPayment: m.totalPayment, trueCost: m.trueCost, virtualCost: m.virtualCost, bidCost: m.bidCost,
                     tierShare: m.tierShare, solverCalls: m.solverCalls, equilibrium: m.equilibrium)
        }
    }

    /// The items of a journal of `shard` (header checked against this spec; a slot torn by a
    /// kill counts as not done), calling `body` for each finished one. Returns how many.
    func readJournal(_ url: URL, shard: ShardID, _ body: (_ slot: Int, _ item: Int, [RowFile.Measures]) -> Void) throws -> Int {
        // Absent, or empty (killed before its header was written): nothing done yet.
        let size = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int) ?? 0
        guard size > 0 else { return 0 }
        let reader: RowFile.Reader
        do { reader = try RowFile.Reader(url) } catch let e as RowFile.FormatError {
            throw ExperimentError.io("\(e); delete it, or run without --resume")
        }
        if let why = headerMismatch(reader.header, shard: shard) {
            throw ExperimentError.io("\(url.path) \(why) (delete it, or run without --resume)")
        }
        var n = 0
        while let (r, slot) = reader.next() {
            guard case let .item(k, ms) = slot else { continue }
            try validate(k, ms, slot: r, shard: shard, file: url.path)
            body(r, k, ms)
            n += 1
        }
        return n
    }

    /// A slot's item must be the one the layout puts there, and its numbers ones a run can produce.
    func validate(_ k: Int, _ ms: [RowFile.Measures], slot r: Int, shard: ShardID, file: String) throws {
        let expected = RowFile.item(inSlot: r, shard: shard, trials: spec.trials)
        guard k == expected else {
            throw ShardError.foreignItem(file: file, item: k, reason: "is in record \(r + 1), which holds item \(expected) (the file was edited or run with another spec)")
        }
        for (j, m) in ms.enumerated() {
            if let (field, reason) = m.problem(row: j) {
                throw FieldError(file: file, field: "record \(r + 1) (item \(k)) \(field)", reason: reason)
            }
        }
    }

    /// Runs one shard into `dir`: each finished item is written into its slot of the shard's
    /// journal; when all are in, the journal is renamed to the shard file (atomic). With
    /// `resume`, items already in the journal are not run again. `stopAfter` ends the run
    /// early (tests use it to simulate a killed or pre-empted shard). Rows are not kept in
    /// memory: a shard of any size runs in constant memory.
    public func runShard(_ shard: ShardID, in dir: URL, resume: Bool, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                         stopAfter: Int? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ShardRun {
        let journal = Self.journal(in: dir, shard: shard)
        if !resume { try? FileManager.default.removeItem(at: journal) }
        let r = try execute(threads: threads, layout: shard, journal: journal, stopAfter: stopAfter, collect: false, progress: progress)
        guard r.done == r.expected else {
            return ShardRun(shard: shard, newItems: r.new, resumedItems: r.resumed, totalItems: r.expected, file: nil)
        }
        let file = dir.appendingPathComponent(shard.fileName)
        if rename(journal.path, file.path) != 0 { throw ExperimentError.io("cannot rename \(journal.path) to \(file.path): \(String(cString: strerror(errno)))") }
        return ShardRun(shard: shard, newItems: r.new, resumedItems: r.resumed, totalItems: r.expected, file: file)
    }

    /// An unsharded run into `dir` through its journal (`journal.rows`, resumable), then
    /// trials.csv, summary.csv and table.md streamed from it (as ``mergeShards(in:rerun:command:)``
    /// does), and the journal removed. Constant memory in the number of trials.
    public func runToReports(in dir: URL, resume: Bool, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                             command: String, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Int {
        let journal = Self.journal(in: dir, shard: nil)
        if !resume { try? FileManager.default.removeItem(at: journal) }
        let r = try execute(threads: threads, layout: .all, journal: journal, stopAfter: nil, collect: false, progress: progress)
        guard r.done == r.expected else { throw ExperimentError.io("\(r.expected - r.done) of \(r.expected) items are missing from \(journal.path)") }
        let rows = try writeReports(from: [(ShardID.all, journal)], dir: dir, rerun: nil, command: command)
        try? FileManager.default.removeItem(at: journal)
        return rows
    }

    /// The row files of `dir` (`shard-I-of-N.rows`), in canonical shard order.
    func shardFiles(in dir: URL) throws -> [(ShardID, URL)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
        let shards = names.compactMap(ShardID.init(fileName:)).sorted()
        guard !shards.isEmpty else {
            let legacy = names.filter { $0.hasPrefix("shard-") && $0.hasSuffix(".jsonl") }
            if !legacy.isEmpty { throw ShardError.legacyShardFiles(directory: dir.path, files: legacy) }
            throw ShardError.noShardFiles(directory: dir.path)
        }
        return shards.map { ($0, dir.appendingPathComponent($0.fileName)) }
    }

    /// Reads every `shard-I-of-N.rows` in `dir` and checks that each item of this spec is
    /// present exactly once. Refuses (``ShardError/refused(_:)``) naming the missing
    /// trials, the shards that hold them with the command to re-run each, and any trial
    /// found in more than one file. Returns the rows by item, ready for ``assemble(_:)``
    /// (in memory: for tests and small runs; `merge` streams with ``mergeShards(in:rerun:command:)``).
    public func collectShards(in dir: URL, rerun: SweepInvocation) throws -> (items: [Int: [TrialRow]], files: [String]) {
        let files = try shardFiles(in: dir)
        var done: [Int: [TrialRow]] = [:]
        let diagnosis = try scan(files) { k, ms in done[k] = trialRows(item: k, ms) }
        if let d = diagnosis.refusal(self, dir: dir, rerun: rerun) { throw ShardError.refused(d) }
        return (done, files.map(\.0.fileName))
    }

    /// `auctionlab merge`: the shard files of `dir` merged into trials.csv, summary.csv and
    /// table.md in `dir`, streamed (k-way merge in canonical order, two passes over the
    /// files, memory independent of the number of trials); the same bytes as an unsharded run.
    /// Refuses like ``collectShards(in:rerun:)``, writing nothing. Returns (files, rows).
    public func mergeShards(in dir: URL, rerun: SweepInvocation, command: String) throws -> (files: [String], rows: Int) {
        let files = try shardFiles(in: dir)
        let rows = try writeReports(from: files, dir: dir, rerun: rerun, command: command)
        return (files.map(\.0.fileName), rows)
    }

    /// The two passes of a streamed merge of `files` into the three result files of `dir`.
    func writeReports(from files: [(ShardID, URL)], dir: URL, rerun: SweepInvocation?, command: String) throws -> Int {
        let stream = try ReportStream(runner: self, dir: dir, command: command)
        do {
            var rows = 0
            let diagnosis = try scan(files) { k, ms in try stream.add(item: k, rows: ms); rows += ms.count }
            if let d = diagnosis.refusal(self, dir: dir, rerun: rerun ?? SweepInvocation(spec: spec.name, out: dir.path)) {
                throw ShardError.refused(d)
            }
            _ = try scan(files) { k, ms in stream.addSpread(item: k, rows: ms) }
            try stream.publish()
            return rows
        } catch {
            stream.discard()
            throw error
        }
    }

    /// What a scan found missing or repeated.
    struct Coverage {
        var missing: [Int] = []
        var duplicates: [Int: Set<String>] = [:]   // trial → files
        var shards: Set<ShardID> = []

        func refusal(_ runner: SweepRunner, dir: URL, rerun: SweepInvocation) -> MergeDiagnosis? {
            guard !missing.isEmpty || !duplicates.isEmpty else { return nil }
            // Missing items are attributed to the split the files use (the finest one if mixed).
            let n = shards.map(\.count).max() ?? 1
            var perShard: [Int: Int] = [:]
            for k in missing { perShard[runner.item(k).trial % n, default: 0] += 1 }
            let missingShards = perShard.keys.sorted().map { i in
                let s = try! ShardID(i, of: n)
                return MergeDiagnosis.MissingShard(
                    shard: s, fileExists: shards.contains(s),
                    journalExists: FileManager.default.fileExists(atPath: SweepRunner.journal(in: dir, shard: s).path),
                    missingItems: perShard[i]!, rerun: rerun.sweepCommand(shardWord: s.description))
            }
            return MergeDiagnosis(
                totalItems: runner.itemCount, missingTrials: Set(missing.map { runner.item($0).trial }).sorted(), missingItems: missing.count,
                missingShards: missingShards,
                duplicates: duplicates.keys.sorted().map { .init(trial: $0, files: duplicates[$0]!.sorted()) })
        }
    }

    /// k-way merge of sorted row files: `body` gets every item once, in canonical order (the
    /// first file in shard order wins a repeated item). Headers and every record are checked
    /// against this spec; a foreign or damaged file throws at once, naming it. Missing and
    /// repeated items are returned, not thrown.
    func scan(_ files: [(ShardID, URL)], _ body: (Int, [RowFile.Measures]) throws -> Void) throws -> Coverage {
        try checkRowCapacity()
        struct Head: Comparable {
            let item: Int, reader: Int
            static func < (a: Head, b: Head) -> Bool { (a.item, a.reader) < (b.item, b.reader) }
        }
        var readers: [RowFile.Reader] = []
        var pending: [[RowFile.Measures]] = []
        var coverage = Coverage()
        for (shard, url) in files {
            let reader: RowFile.Reader
            do { reader = try RowFile.Reader(url) } catch let e as RowFile.FormatError {
                throw ShardError.foreignFile(file: url.path, reason: e.reason)
            }
            if let why = headerMismatch(reader.header, shard: shard) { throw ShardError.foreignFile(file: url.path, reason: why) }
            readers.append(reader)
            pending.append([])
            coverage.shards.insert(shard)
        }
        var heap = Heap<Head>()
        func advance(_ j: Int) throws {
            let reader = readers[j]
            while let (r, slot) = reader.next() {
                switch slot {
                case .empty: continue   // an item never written: reported as missing
                case .corrupt:
                    throw FieldError(file: reader.url.path, field: "record \(r + 1)",
                                     reason: "fails its check: the file was damaged or edited (re-run shard \(files[j].0) with --resume after deleting it)")
                case let .item(k, ms):
                    try validate(k, ms, slot: r, shard: files[j].0, file: reader.url.path)
                    pending[j] = ms
                    heap.insert(Head(item: k, reader: j))
                    return
                }
            }
        }
        for j in readers.indices { try advance(j) }
        var next = 0
        var lastFile: String?
        while let h = heap.popMin() {
            let fileName = files[h.reader].0.fileName
            if h.item < next {   // the same item again, from a later file
                coverage.duplicates[item(h.item).trial, default: [lastFile!]].insert(fileName)
            } else {
                if h.item > next { coverage.missing += Array(next..<h.item) }
                try body(h.item, pending[h.reader])
                next = h.item + 1
                lastFile = fileName
            }
            try advance(h.reader)
        }
        if next < itemCount { coverage.missing += Array(next..<itemCount) }
        return coverage
    }
}

extension RowFile {
    /// Every finished item of a row file, without a spec (the header's spec hash checks each
    /// record): `[item: rows]`. Throws, naming the file and record, on a damaged header, a record
    /// that fails its check, an item twice, or a number no run produces. The fuzz harness uses it.
    public static func read(_ url: URL) throws -> (header: Header, items: [Int: [Measures]]) {
        let reader = try Reader(url)
        var out: [Int: [Measures]] = [:]
        while let (r, slot) = reader.next() {
            switch slot {
            case .empty: continue
            case .corrupt: throw FieldError(file: url.path, field: "record \(r + 1)", reason: "fails its check (damaged or edited)")
            case let .item(k, ms):
                guard out[k] == nil else { throw FieldError(file: url.path, field: "record \(r + 1)", reason: "repeats item \(k)") }
                for (j, m) in ms.enumerated() {
                    if let (field, reason) = m.problem(row: j) {
                        throw FieldError(file: url.path, field: "record \(r + 1) (item \(k)) \(field)", reason: reason)
                    }
                }
                out[k] = ms
            }
        }
        return (reader.header, out)
    }
}

extension SweepRunner {
    /// A finished shard file of this spec filled with plausible random numbers (payments and
    /// costs in $0.1–10, shares summing to 1, a few solver calls) instead of running the
    /// mechanisms: `auctionlab bench` merges such files to time the merge at 10⁵ trials without
    /// 10⁵ × 10 ms of sweeping. The merge's work does not depend on the values.
    /// With `legacy`, the same rows also go to `legacy/shard-I-of-N.jsonl` in the JSON Lines
    /// format of earlier versions, so an earlier binary can merge the same data (`bench scale --baseline`).
    public func writeSyntheticShard(_ shard: ShardID, in dir: URL, seed: UInt64, legacy: URL? = nil) throws -> URL {
        let header = rowHeader(shard)
        var json = Data()
        struct Entry: Encodable { let item: Int; let rows: [TrialRow] }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let file = dir.appendingPathComponent(shard.fileName)
        try? FileManager.default.removeItem(at: file)
        let writer = try RowFile.Writer(url: file, header: header)
        var g = SplitMix64(seed: seed)
        func u() -> Double { Double(g.next() >> 11) / Double(1 << 53) }
        for r in 0..<header.slots {
            let rows = (0..<mechanisms.count).map { _ in
                let a = u(), b = u() * (1 - a)
                return RowFile.Measures(totalPayment: 0.1 + 10 * u(), trueCost: 0.1 + 5 * u(), virtualCost: 0.1 + 8 * u(),
                                        bidCost: 0.1 + 5 * u(), tierShare: [a, b, 1 - a - b], solverCalls: Int(g.next() % 40),
                                        equilibrium: header.extras > 0 ? EquilibriumMeasures.none : [])
            }
            let k = RowFile.item(inSlot: r, shard: shard, trials: spec.trials)
            try writer.write(item: k, slot: r, rows: rows)
            if legacy != nil { json.append(try enc.encode(Entry(item: k, rows: trialRows(item: k, rows)))); json.append(UInt8(ascii: "\n")) }
        }
        if let legacy {
            try FileManager.default.createDirectory(at: legacy, withIntermediateDirectories: true)
            try json.write(to: legacy.appendingPathComponent("shard-\(shard.index)-of-\(shard.count).jsonl"))
        }
        return file
    }

    /// Bytes of item `k`'s rows in the JSON Lines shard format of earlier versions
    /// (`{"item":k,"rows":[…]}` with sorted keys, one line): the baseline of the bench's
    /// shard-size figure, encoded here from the same rows.
    public static func legacyJSONBytes(item k: Int, rows: [TrialRow]) throws -> Int {
        struct Entry: Encodable { let item: Int; let rows: [TrialRow] }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return try enc.encode(Entry(item: k, rows: rows)).count + 1
    }

    /// Bytes of one item in a row file of this spec (the header line aside).
    public var rowFileBytesPerItem: Int { rowHeader(.all).recordSize }
}

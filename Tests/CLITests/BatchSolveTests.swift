import Foundation
import Testing
import TestSupport

/// `auctionlab solve` on a batch: several files, or JSON Lines on standard input.
@Suite("auctionlab solve: batches")
struct BatchSolveTests {
    static let instances = ["s1", "s2", "s3", "s4"].map { "Experiments/instances/\($0).json" }

    /// Runs the binary with `input` on its standard input.
    static func run(_ args: [String], stdin input: String) throws -> CLI.Run {
        let bin = try #require(CLI.binary, "auctionlab binary not found next to \(CommandLine.arguments[0])")
        let p = Process()
        p.executableURL = bin
        p.arguments = args
        p.currentDirectoryURL = CLI.root
        let inPipe = Pipe(), out = Pipe(), err = Pipe()
        p.standardInput = inPipe; p.standardOutput = out; p.standardError = err
        try p.run()
        let data = Data(input.utf8)
        // Write from another thread so a full stdout pipe cannot deadlock the two processes.
        DispatchQueue.global().async {
            inPipe.fileHandleForWriting.write(data)
            try? inPipe.fileHandleForWriting.close()
        }
        return CLI.finish(p)
    }

    /// Each line of `text` as a JSON object.
    static func lines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    /// An instance file as one line of compact JSON.
    static func compact(_ path: String) throws -> String {
        let data = try Data(contentsOf: CLI.root.appendingPathComponent(path))
        let object = try JSONSerialization.jsonObject(with: data)
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func text(_ path: String) throws -> String {
        try String(contentsOf: CLI.root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("3 files, the middle one malformed: 2 outcomes and 1 error line naming the file and field, in order; non-zero exit")
    func malformedMiddleFile() throws {
        let dir = try scratch("batch")
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.json")
        // The first agent's "bid" renamed: `agents[0].bid` is missing.
        let broken = try Self.text(Self.instances[3]).replacingOccurrences(of: "\"bid\": 0.1375", with: "\"bidd\": 0.1375")
        #expect(broken != (try Self.text(Self.instances[3])))
        try broken.write(to: bad, atomically: true, encoding: .utf8)

        let args = [Self.instances[3], bad.path, Self.instances[2]]
        let r = try CLI.run(["solve"] + args)
        #expect(r.reason == .exit && r.status != 0, "status \(r.status)")
        let out = try Self.lines(r.out)
        try #require(out.count == 3, "stdout: \(r.out)")
        #expect(out.map { $0["instance"] as? String } == args)
        #expect(out[0]["mechanism"] as? String == "star" && out[0]["error"] == nil)
        #expect(out[2]["mechanism"] as? String == "star" && out[2]["error"] == nil)
        let message = try #require(out[1]["error"] as? String)
        #expect(out[1]["mechanism"] == nil)
        #expect(message.contains(bad.path) && message.contains("agents[0].bid"), "\(message)")
        #expect(r.err.contains(message), "stderr: \(r.err)")
    }

    @Test("JSON Lines on stdin with a bad line 2: its error names stdin:2 and the field; lines 1 and 3 are solved")
    func stdinBadLine() throws {
        let good = try Self.compact(Self.instances[3])
        let badLine = good.replacingOccurrences(of: #""difficulty":"#, with: #""difficulty":"hard","was":"#)
        #expect(badLine != good)
        let r = try Self.run(["solve", "-", "--mechanism", "vcg"], stdin: [good, badLine, good].joined(separator: "\n") + "\n")
        #expect(r.reason == .exit && r.status != 0, "status \(r.status)")
        let out = try Self.lines(r.out)
        try #require(out.count == 3, "stdout: \(r.out)")
        #expect(out.map { $0["instance"] as? String } == ["stdin:1", "stdin:2", "stdin:3"])
        #expect(out[0]["mechanism"] as? String == "vcg" && out[2]["mechanism"] as? String == "vcg")
        let message = try #require(out[1]["error"] as? String)
        #expect(message.contains("stdin:2") && message.contains("nodes[0].difficulty"), "\(message)")
        #expect(r.err.contains("stdin:2"), "stderr: \(r.err)")
    }

    @Test("300 stdin lines (more than one chunk), every 7th malformed: --threads 1 and 2 give the same bytes, in input order; each line is what JSONSerialization writes for its object", .tags(.slow), .fullLaneOnly)
    func threadsKeepOrder() throws {
        let good = try Self.compact(Self.instances[0])
        let bad = good.replacingOccurrences(of: #""bid":"#, with: #""bid":"x","was":"#)
        #expect(bad != good)
        let input = (1...300).map { $0 % 7 == 0 ? bad : good }.joined(separator: "\n") + "\n"
        let one = try Self.run(["solve", "-", "--mechanism", "vcg", "--threads", "1"], stdin: input)
        let two = try Self.run(["solve", "-", "--mechanism", "vcg", "--threads", "2"], stdin: input)
        #expect(one.status != 0 && two.status != 0)
        #expect(one.out == two.out)
        let rows = one.out.split(separator: "\n").map(String.init)
        try #require(rows.count == 300, "\(rows.count) lines")
        for (k, row) in rows.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
            #expect(object["instance"] as? String == "stdin:\(k + 1)")
            #expect((object["error"] != nil) == ((k + 1) % 7 == 0), "line \(k + 1)")
            // The encoder's bytes are those of Foundation's serializer on the parsed object
            // (sorted keys, numbers printed the same way).
            let reserialised = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
            #expect(reserialised == row, "line \(k + 1)")
        }
        #expect(one.err.contains("42 of 300 instances failed"), "\(one.err)")
    }

    @Test("a batch's outcome lines equal the single-file --format json outcomes (as JSON objects), exit 0",
          arguments: [["--mechanism", "star"], ["--mechanism", "myopic", "--payment", "bisection", "--epsilon", "1e-7"]])
    func batchEqualsSingle(options: [String]) throws {
        let batch = try CLI.run(["solve"] + Self.instances + options)
        #expect(batch.status == 0, "\(batch.err)")
        let lines = try Self.lines(batch.out)
        try #require(lines.count == Self.instances.count, "stdout: \(batch.out)")
        // The same instances as JSON Lines on stdin give the same outcomes.
        let piped = try Self.run(["solve", "-"] + options, stdin: try Self.instances.map(Self.compact).joined(separator: "\n"))
        #expect(piped.status == 0, "\(piped.err)")
        let pipedLines = try Self.lines(piped.out)
        try #require(pipedLines.count == Self.instances.count, "stdout: \(piped.out)")
        for (k, path) in Self.instances.enumerated() {
            let single = try CLI.run(["solve", path, "--format", "json"] + options)
            #expect(single.status == 0, "\(single.err)")
            let expected = try #require(try JSONSerialization.jsonObject(with: Data(single.out.utf8)) as? [String: Any])
            var got = lines[k]
            #expect(got.removeValue(forKey: "instance") as? String == path)
            #expect(NSDictionary(dictionary: got).isEqual(to: expected), "\(path): batch \(got) vs single \(expected)")
            var fromStdin = pipedLines[k]
            #expect(fromStdin.removeValue(forKey: "instance") as? String == "stdin:\(k + 1)")
            #expect(NSDictionary(dictionary: fromStdin).isEqual(to: expected), "stdin:\(k + 1)")
        }
    }

    @Test("one file: table and --format json unchanged; --format jsonl gives the line; --format table on a batch is refused")
    func singleFileFormats() throws {
        let table = try CLI.run(["solve", Self.instances[3]])
        #expect(table.status == 0 && table.out.hasPrefix("mechanism star   solver "), "\(table.out)")
        let jsonl = try CLI.run(["solve", Self.instances[3], "--format", "jsonl"])
        #expect(jsonl.status == 0)
        let lines = try Self.lines(jsonl.out)
        #expect(lines.count == 1 && lines.first?["instance"] as? String == Self.instances[3])
        let refused = try CLI.run(["solve", Self.instances[3], Self.instances[2], "--format", "table"])
        #expect(refused.status != 0 && refused.err.contains("--format table"), "\(refused.err)")
    }
}

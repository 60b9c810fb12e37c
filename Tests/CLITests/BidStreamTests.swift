import Foundation
import Testing
import TestSupport

/// `auctionlab solve INSTANCE --bids FILE|-`: one workflow and market, one bid vector per line.
@Suite("auctionlab solve: bid streams")
struct BidStreamTests {
    static let s4 = "Experiments/instances/s4.json"

    /// S4's agents and their prior supports, read from the file (not from the code under test).
    static func s4Agents() throws -> (object: [String: Any], agents: [[String: Any]], supports: [(Double, Double)]) {
        let data = try Data(contentsOf: CLI.root.appendingPathComponent(s4))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let agents = try #require(object["agents"] as? [[String: Any]])
        let supports = try agents.map { a -> (Double, Double) in
            let p = try #require(a["prior"] as? [String: Any])
            return (try #require(p["low"] as? Double), try #require(p["high"] as? Double))
        }
        return (object, agents, supports)
    }

    /// The line with its `"instance":"…"` member taken out (the only member that names the source).
    static func withoutInstance(_ line: Substring) -> String {
        line.replacingOccurrences(of: #""instance":"[^"]*","#, with: "", options: .regularExpression)
    }

    @Test("each outcome line equals `solve` on the instance file with that bid vector written in; CSV, JSON arrays, quotes, a header and blank lines; a malformed line, a wrong-length vector and a bid outside its prior give error lines in place; --threads 1 and 3 agree")
    func equalsSingleInstancePath() throws {
        let (object, agents, supports) = try Self.s4Agents()
        let m = agents.count
        // Bid vectors at fixed fractions of each support, different per vector.
        let vectors: [[Double]] = (0..<4).map { j in supports.enumerated().map { i, s in s.0 + (s.1 - s.0) * Double((3 * i + 5 * j) % 11 + 1) / 12 } }
        func csv(_ v: [Double]) -> String { v.map { "\($0)" }.joined(separator: ",") }
        var outOfSupport = vectors[0]
        outOfSupport[m - 1] = supports[m - 1].1 * 2
        let ids = agents.map { $0["id"] as! String }
        let input = [
            ids.joined(separator: ","),                                   // header (skipped)
            csv(vectors[0]),                                              // line 2
            "[" + vectors[1].map { "\($0)" }.joined(separator: ", ") + "]", // line 3: JSON array
            "",                                                           // line 4: blank (skipped)
            "0.1,zero," + csv(Array(vectors[2].dropFirst(2))),            // line 5: malformed
            csv(Array(vectors[2].dropLast())),                            // line 6: one bid short
            "\"\(vectors[2][0])\", " + csv(Array(vectors[2].dropFirst())), // line 7: a quoted field, a space
            csv(outOfSupport),                                            // line 8: last bid above its prior
            csv(vectors[3]) + "\r",                                       // line 9: CRLF
        ].joined(separator: "\n") + "\n"
        let dir = try Scratch.folder("bids")
        defer { Scratch.remove(dir) }
        let file = dir.appendingPathComponent("bids.csv")
        try input.write(to: file, atomically: true, encoding: .utf8)

        let one = try CLI.run(["solve", Self.s4, "--bids", file.path, "--threads", "1"])
        let three = try BatchSolveTests.run(["solve", Self.s4, "--bids", "-", "--threads", "3"], stdin: input)
        #expect(one.reason == .exit && one.status != 0 && three.status != 0, "status \(one.status), \(three.status)")
        let lines = one.out.split(separator: "\n")
        try #require(lines.count == 7, "stdout: \(one.out)")
        let numbers = [2, 3, 5, 6, 7, 8, 9]
        let objects = try BatchSolveTests.lines(one.out)
        #expect(objects.map { $0["instance"] as? String } == numbers.map { "\(file.path):\($0)" })
        #expect(try BatchSolveTests.lines(three.out).map { $0["instance"] as? String } == numbers.map { "stdin:\($0)" })
        // The same bytes from a file on one thread as from stdin on three, up to the source's name.
        #expect(one.out.replacingOccurrences(of: file.path, with: "stdin") == three.out)

        // Errors, in place, naming the line and the field.
        let errors = objects.map { $0["error"] as? String }
        #expect(errors[2]?.contains("\(file.path):5") == true && errors[2]?.contains("bids[1]") == true, "\(errors[2] ?? "")")
        #expect(errors[3]?.contains("\(file.path):6") == true && errors[3]?.contains("`bids` has \(m - 1) values") == true, "\(errors[3] ?? "")")
        #expect(errors[5]?.contains("\(file.path):8") == true && errors[5]?.contains("agents[\(m - 1)].bid") == true, "\(errors[5] ?? "")")
        #expect([0, 1, 4, 6].allSatisfy { errors[$0] == nil })
        #expect(one.err.contains("3 of 7 bid vectors failed"), "\(one.err)")

        // The ordinary path: the instance file with the vector written in, solved on its own.
        for (k, vector) in [(0, vectors[0]), (1, vectors[1]), (4, vectors[2]), (6, vectors[3])] {
            var edited = object
            edited["agents"] = agents.enumerated().map { i, a in var a = a; a["bid"] = vector[i]; return a }
            let path = dir.appendingPathComponent("line-\(k).json")
            try JSONSerialization.data(withJSONObject: edited).write(to: path)
            let single = try CLI.run(["solve", path.path, "--format", "jsonl"])
            #expect(single.status == 0, "\(single.err)")
            #expect(Self.withoutInstance(lines[k]) == Self.withoutInstance(Substring(single.out.trimmingCharacters(in: .newlines))), "line \(numbers[k])")
        }
        // The error line of a bid outside its prior is the single path's message for that file.
        var edited = object
        edited["agents"] = agents.enumerated().map { i, a in var a = a; a["bid"] = outOfSupport[i]; return a }
        let path = dir.appendingPathComponent("outside.json")
        try JSONSerialization.data(withJSONObject: edited).write(to: path)
        let single = try CLI.run(["solve", path.path, "--format", "jsonl"])
        let singleError = try #require(try BatchSolveTests.lines(single.out).first?["error"] as? String)
        #expect(errors[5]?.replacingOccurrences(of: "\(file.path):8", with: path.path) == singleError, "\(singleError)")
    }

    @Test("300 vectors (more than one chunk), every 7th malformed: --threads 1, 2 and 4 write the same bytes in input order")
    func orderAcrossThreads() throws {
        let (_, _, supports) = try Self.s4Agents()
        func vector(_ n: Int) -> String {
            var fields: [String] = []
            for (i, s) in supports.enumerated() {
                let fraction = Double((n * 7 + i * 3) % 97 + 1) / 99
                fields.append("\(s.0 + (s.1 - s.0) * fraction)")
            }
            return fields.joined(separator: ",")
        }
        let input = (1...300).map { n in n % 7 == 0 ? "[1, 2" : vector(n) }.joined(separator: "\n")
        let runs = try [1, 2, 4].map { try BatchSolveTests.run(["solve", Self.s4, "--bids", "-", "--threads", "\($0)", "--mechanism", "vcg"], stdin: input) }
        #expect(runs.allSatisfy { $0.status != 0 })
        #expect(runs[1].out == runs[0].out && runs[2].out == runs[0].out)
        let objects = try BatchSolveTests.lines(runs[0].out)
        try #require(objects.count == 300)
        for (k, o) in objects.enumerated() {
            #expect(o["instance"] as? String == "stdin:\(k + 1)")
            #expect((o["error"] != nil) == ((k + 1) % 7 == 0), "line \(k + 1)")
        }
    }

    @Test("--bids needs exactly one instance file and JSON Lines out; `solve --help` teaches it with an example")
    func usage() throws {
        for args in [["solve", Self.s4, Self.s4, "--bids", "-"], ["solve", "-", "--bids", "x.csv"], ["solve", Self.s4, "--bids", "-", "--format", "table"]] {
            let r = try CLI.run(args)
            #expect(r.status != 0 && r.out.isEmpty && r.err.contains("--bids"), "\(args): \(r.err)")
        }
        let missing = try CLI.run(["solve", Self.s4, "--bids", "/nonexistent/bids.csv"])
        #expect(missing.status != 0 && missing.out.isEmpty && missing.err.contains("/nonexistent/bids.csv"), "\(missing.err)")
        let help = try CLI.run(["solve", "--help"])
        #expect(help.out.contains("--bids") && help.out.contains("auctionlab solve Experiments/instances/s4.json --bids"), "\(help.out)")
    }
}

import Foundation
import Testing
import TestSupport
@testable import LabIO

/// The shared file formats, checked against independent readers written here.
@Suite("LabIO: CSV text, atomic publication, YAML field errors, number format")
struct LabIOTests {
    /// An RFC 4180 reader written here, independent of CSV.swift (which `csvText` uses).
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { row.append(field); field = ""
            } else if c == "\n" || c == "\r\n" { row.append(field); rows.append(row); row = []; field = ""
            } else { field.append(c) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    @Test("csvText round-trips commas, quotes, newlines, spaces, empty fields and non-ASCII through an independent reader")
    func csvRoundTrip() throws {
        let header = ["id", "note", "value"]
        let rows = [["a,b", "say \"hi\"", "1.5"], ["", " lead and trail ", "-0"], ["line\nbreak", "φ̄ → 13.6", "nan"], ["plain", "x", ""]]
        let text = try csvText(header, rows)
        #expect(text.hasSuffix("\n"))
        #expect(Self.parse(text) == [header] + rows)
    }

    @Test("num is %.10g with nan for every non-finite value")
    func numberFormat() {
        #expect(num(0.1 + 0.2) == "0.3")
        #expect(num(1e-12) == "1e-12")
        #expect(num(123456789012) == "1.23456789e+11")
        #expect(num(.infinity) == "nan" && num(-.infinity) == "nan" && num(.nan) == "nan")
    }

    @Test("markdownTable: a header, a rule and one line per row, each with the header's column count")
    func markdown() {
        let md = markdownTable(["a", "b", "c"], [["1", "2", "3"], ["4", "5", "6"]])
        let lines = md.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.allSatisfy { $0.filter { $0 == "|" }.count == 4 })
        #expect(lines[1] == "|---|---|---|")
    }

    @Test("writeAll publishes every file, or none when one cannot be written (old contents kept, no temporary left)")
    func allOrNothing() throws {
        let dir = try Scratch.folder("atomic")
        defer { Scratch.remove(dir) }
        let a = dir.appendingPathComponent("a.txt"), b = dir.appendingPathComponent("b.txt")
        try AtomicFile.writeAll([(url: a, text: "old a"), (url: b, text: "old b")])
        #expect(try String(contentsOf: a, encoding: .utf8) == "old a")
        // A destination below a regular file cannot be created: the whole publication fails.
        let blocked = a.appendingPathComponent("c.txt")
        #expect(throws: AtomicFile.WriteError.self) {
            try AtomicFile.writeAll([(url: b, text: "new b"), (url: blocked, text: "new c")])
        }
        #expect(try String(contentsOf: b, encoding: .utf8) == "old b")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(left == ["a.txt", "b.txt"], "\(left)")
    }

    struct Small: Codable, Equatable { var name: String; var count: Int }

    @Test("decodeYAML names the field: a wrong type, a missing key, a misspelt key with the close one, a key given twice")
    func yamlFieldErrors() throws {
        #expect(try decodeYAML(Small.self, from: "name: x\ncount: 3\n", file: "s.yaml") == Small(name: "x", count: 3))
        func field(_ text: String) -> FieldError? {
            do { _ = try decodeYAML(Small.self, from: text, file: "s.yaml"); return nil } catch let e as FieldError { return e } catch { return nil }
        }
        #expect(field("name: x\ncount: three\n")?.field == "count")
        #expect(field("name: x\n")?.field == "count")
        let typo = try #require(field("name: x\ncount: 3\ncuont: 4\n"))
        #expect(typo.field == "cuont" && typo.reason.contains("count"), "\(typo)")
        #expect(field("name: x\nname: y\ncount: 3\n") != nil)
    }
}

/// The nesting bound applied before YAML is parsed.
@Suite("LabIO: nesting depth of YAML text")
struct NestingDepthTests {
    @Test("a quote inside a plain scalar is a character, not the start of a string: the brackets after it still count")
    func midTokenQuote() throws {
        let deep = String(repeating: "[", count: maxNestingDepth + 1) + String(repeating: "]", count: maxNestingDepth + 1)
        #expect(throws: FieldError.self) { try checkNesting("a: b\"c\nd: \(deep)\n", file: "q.yaml") }
        #expect(throws: FieldError.self) { try checkNesting("a: b'c\nd: \(deep)\n", file: "q.yaml") }
        // At a token's start a quote does open a string, whose brackets are text.
        try checkNesting("a: \"\(deep)\"\n", file: "q.yaml")
        try checkNesting("a: '\(deep)'\n", file: "q.yaml")
    }
}

@Suite("The JSON duplicate-key scan agrees with the YAML walk")
struct JSONDuplicateKeyTests {
    /// Random JSON text: nested objects and arrays whose keys come from a small set (so keys
    /// repeat), escapes in keys and strings included.
    static func document<G: RandomNumberGenerator>(depth: Int, _ g: inout G) -> String {
        let keys = ["a", "b", "low", "hi\\u00e9", "caf\\u00e9", "caf\u{e9}", "q\\\"", "s\\/l", "x y", "\\u0041b", "Ab", "n1"]
        let roll = Int.random(in: 0..<10, using: &g)
        if depth == 0 || roll < 3 {
            return ["1", "-0.5e3", "true", "null", "\"v\\n\"", "\"\\\\\"", "12.25", "false"][Int.random(in: 0..<8, using: &g)]
        }
        let n = Int.random(in: 0...4, using: &g)
        if roll < 6 {
            let members = (0..<n).map { _ in "\"\(keys[Int.random(in: 0..<keys.count, using: &g)])\" : " + document(depth: depth - 1, &g) }
            return "{" + members.joined(separator: Bool.random(using: &g) ? "," : " ,\n ") + "}"
        }
        return "[" + (0..<n).map { _ in document(depth: depth - 1, &g) }.joined(separator: ", ") + "]"
    }

    @Test("on 2,000 random JSON documents (those Yams can read) the scan reports the YAML walk's first duplicate (path and all), or none when it does; YAML and invalid JSON are left to the YAML walk")
    func scanEqualsYAMLWalk() {
        var g = TestRandom(state: 2027_1209)
        var duplicates = 0, unreadable = 0
        for n in 0..<2000 {
            let text = Self.document(depth: 4, &g)
            guard let scanned = jsonDuplicateKeyPath(in: text) else {
                Issue.record("#\(n): valid JSON not scanned: \(text)")
                continue
            }
            // Yams cannot read some valid JSON (surrogate-pair escapes such as \ud83d\ude00): the
            // YAML walk then finds nothing, and the scan is the only check there.
            guard composeTree(text) != nil else { unreadable += 1; continue }
            #expect(scanned == yamlDuplicateKeyPath(in: text), "#\(n): \(text)")
            if scanned != nil { duplicates += 1 }
        }
        #expect(duplicates >= 300 && unreadable < 1000, "only \(duplicates) compared documents had a duplicate key (\(unreadable) unreadable by Yams)")
        for text in ["a: 1\na: 2\n", "{a: 1, a: 2}", "{\"a\": 1, \"a\": 2", "{\"a\": 01}", "{\"a\": \"\\ud800\"}", "[1,]", "{\"a\":1} x"] {
            #expect(jsonDuplicateKeyPath(in: text) == nil, "not strict JSON: \(text)")
        }
        #expect(duplicateKeyPath(in: "a: 1\nb:\n  c: 1\n  c: 2\n") == "b.c")
        // JSON Yams cannot read (a surrogate-pair escape): the scan still finds the duplicate.
        #expect(duplicateKeyPath(in: #"{"e":"\ud83d\ude00","k":1,"k":2}"#) == "k")
        #expect(duplicateKeyPath(in: #"{"agents":[{"id":"x"},{"id":"y","prior":{"low":1,"low":2}}]}"#) == "agents[1].prior.low")
    }
}

@Suite("LabIO: a line of numbers")
struct NumberLineTests {
    @Test("a plain CSV line of numbers split at its commas gives what CSV.swift's reader gives, field by field; lines it cannot take (quotes, names, empty fields, a lone sign, inf) are left to the reader and its errors")
    func plainLinesMatchTheReader() throws {
        var g = TestRandom(state: 2026_1207)
        var lines = ["1.2,0.8,3.1", " 1.5 , 2 ,\t3e-2", "0.1375,0.45000000000000007,1E5", "-0,+4,.5,5.", "7", "1e308,4.9e-324",
                     "\"1.2\",3", "1.2,,3", "1.2,", ",1", "+", "-", "e", "1e", "inf,1", "nan", "1.2.3,4", "1,2 3", "0x10,1", "1;2"]
        for _ in 0..<300 {
            let n = Int.random(in: 1...9, using: &g)
            lines.append((0..<n).map { _ in
                let x = Double.random(in: -1e6...1e6, using: &g) * pow(10, Double(Int.random(in: -12...12, using: &g)))
                return Bool.random(using: &g) ? "\(x)" : String(format: "%.\(Int.random(in: 1...17, using: &g))g", x)
            }.joined(separator: Bool.random(using: &g) ? "," : " , "))
        }
        var fast = 0
        for line in lines {
            // The reader's answer: its fields, each trimmed and read as a Double, or nil.
            let byReader: [Double]? = (try? NumberLine.fields(of: line, field: "bids"))
                .flatMap { fields in
                    let xs = fields.map { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))) }
                    return xs.contains(nil) ? nil : xs.map { $0! }
                }
            if let plain = NumberLine.plainNumbers(line) {
                fast += 1
                #expect(plain.map(\.bitPattern) == byReader?.map(\.bitPattern), "\(line)")
            }
            // Whichever path answers, parse agrees with the reader (or throws where it gives no vector).
            if let byReader {
                #expect(try NumberLine.parse(line, field: "bids").map(\.bitPattern) == byReader.map(\.bitPattern), "\(line)")
            } else {
                #expect(throws: FieldError.self, "\(line)") { try NumberLine.parse(line, field: "bids") }
            }
        }
        #expect(fast >= 300, "the plain path took only \(fast) lines")
    }
}

/// A seeded generator (SplitMix64's step), so the documents are the same on every run.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

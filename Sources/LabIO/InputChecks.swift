import Foundation
import Yams

/// Checks every YAML and JSON input goes through before (or right after) it is decoded:
/// a bound on nesting depth (so no recursive parser or decoder can overflow the stack),
/// keys given twice (which JSON decoders resolve differently: Foundation keeps the first,
/// Python and jq the last), and keys no field reads (a misspelt `trails:` would otherwise
/// be ignored and its default used).

/// Deepest nesting any input file may have. Specs, instances and priors nest well under 20
/// levels; a recursive decoder overflows the stack somewhere in the thousands.
public let maxNestingDepth = 64

/// An upper bound on the nesting depth of YAML or JSON text, and the 1-based line where it
/// is reached: open flow brackets (`[`, `{` outside quoted scalars and comments), plus block
/// indentation levels, plus the block-sequence dashes that open the line (`- - x`). It never
/// undercounts a real nesting level, so text it passes cannot nest deeper than it says.
public func nestingDepth(of text: String) -> (depth: Int, line: Int) {
    var flow = 0, deepest = (depth: 0, line: 0)
    var indents: [Int] = []
    var lineNumber = 0
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        lineNumber += 1
        let chars = Array(line.utf8)
        var i = 0
        while i < chars.count, chars[i] == UInt8(ascii: " ") { i += 1 }
        guard i < chars.count, chars[i] != UInt8(ascii: "#"), chars[i] != UInt8(ascii: "\r") else { continue }
        var block = 0
        if flow == 0 {
            while let last = indents.last, last >= i { indents.removeLast() }
            indents.append(i)
            block = indents.count
            // `- - - x`: each dash opens one more sequence.
            while i + 1 < chars.count, chars[i] == UInt8(ascii: "-"), chars[i + 1] == UInt8(ascii: " ") {
                block += 1; i += 2
                while i < chars.count, chars[i] == UInt8(ascii: " ") { i += 1 }
            }
        }
        var quote: UInt8? = nil
        var previous: UInt8 = UInt8(ascii: " ")
        while i < chars.count {
            let c = chars[i]
            if let q = quote {
                if q == UInt8(ascii: "\"") && c == UInt8(ascii: "\\") { i += 2; continue }
                if c == q { quote = nil }
            } else {
                let atTokenStart = [UInt8(ascii: " "), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","), UInt8(ascii: ":")].contains(previous)
                switch c {
                case UInt8(ascii: "\"") where atTokenStart, UInt8(ascii: "'") where atTokenStart: quote = c
                case UInt8(ascii: "#") where previous == UInt8(ascii: " "): i = chars.count; continue
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    flow += 1
                    if block + flow > deepest.depth { deepest = (block + flow, lineNumber) }
                case UInt8(ascii: "]"), UInt8(ascii: "}"): flow = max(0, flow - 1)
                default: break
                }
            }
            previous = c
            i += 1
        }
        if block + flow > deepest.depth { deepest = (block + flow, lineNumber) }
    }
    return deepest
}

/// Refuses text nested deeper than ``maxNestingDepth`` (see ``nestingDepth(of:)``), naming the
/// file and the line, before any recursive parser sees it.
public func checkNesting(_ text: String, file: String) throws {
    let (depth, line) = nestingDepth(of: text)
    guard depth <= maxNestingDepth else {
        throw FieldError(file: file, field: "(document)",
                         reason: "nests \(depth) levels deep (line \(line)); at most \(maxNestingDepth) levels are accepted")
    }
}

/// A path in the dotted/indexed form of every error message (`agents[0].prior.low`).
func joinPath(_ parts: [String]) -> String {
    parts.reduce("") { acc, p in p.hasPrefix("[") ? acc + p : (acc.isEmpty ? p : acc + "." + p) }
}

/// The YAML (or JSON, which YAML's flow style reads) tree of `text`, or nil when Yams cannot
/// read it (the decoder then reports the syntax error). Call ``checkNesting(_:file:)`` first.
func composeTree(_ text: String) -> Node? { (try? Yams.compose(yaml: text)) ?? nil }

/// The path of the first key that appears twice in one mapping of `text` (YAML or JSON),
/// e.g. `agents[1].prior.low`, or nil. Depth-check the text first.
public func duplicateKeyPath(in text: String) -> String? {
    // Strict JSON (every instance line of a batch) by a byte scan; YAML by its parser.
    if let scanned = jsonDuplicateKeyPath(in: text) { return scanned }
    return yamlDuplicateKeyPath(in: text)
}

/// ``duplicateKeyPath(in:)`` by walking the YAML parser's tree (any YAML, JSON included).
func yamlDuplicateKeyPath(in text: String) -> String? {
    guard let root = composeTree(text) else { return nil }
    func walk(_ n: Node, _ path: [String]) -> String? {
        switch n {
        case let .mapping(m):
            var seen = Set<String>()
            for (k, v) in m {
                let key = k.string ?? "\(k)"
                if !seen.insert(key).inserted { return joinPath(path + [key]) }
                if let hit = walk(v, path + [key]) { return hit }
            }
        case let .sequence(s):
            for (i, v) in s.enumerated() { if let hit = walk(v, path + ["[\(i)]"]) { return hit } }
        default: break
        }
        return nil
    }
    return walk(root, [])
}

/// Refuses a key given twice in one mapping (JSON or YAML), naming its path.
public func checkDuplicateKeys(_ text: String, file: String) throws {
    try checkNesting(text, file: file)
    if let path = duplicateKeyPath(in: text) {
        throw FieldError(file: file, field: path, reason: "is given twice; give each key once (decoders disagree on which one wins)")
    }
}

/// The first key of `text` that decoding `value` did not read: a key of an input mapping that
/// is absent from the same mapping of `value` encoded back (null values excepted), with the
/// known key closest to it (edit distance ≤ 2), or nil when every key was used.
public func unknownKey(in text: String, decoded value: any Encodable) -> (path: String, suggestion: String?)? {
    guard let root = composeTree(text) else { return nil }
    let enc = JSONEncoder()
    enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    guard let data = try? enc.encode(value), let back = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
    func walk(_ n: Node, _ e: Any, _ path: [String]) -> (String, String?)? {
        switch n {
        case let .mapping(m):
            guard let known = e as? [String: Any] else { return nil }
            for (k, v) in m {
                let key = k.string ?? "\(k)"
                guard let sub = known[key] else {
                    if v.null != nil { continue }
                    return (joinPath(path + [key]), closest(key, among: Array(known.keys)))
                }
                if let hit = walk(v, sub, path + [key]) { return hit }
            }
        case let .sequence(s):
            guard let list = e as? [Any], list.count == s.count else { return nil }
            for (i, (v, sub)) in zip(s, list).enumerated() { if let hit = walk(v, sub, path + ["[\(i)]"]) { return hit } }
        default: break
        }
        return nil
    }
    return walk(root, back, []).map { (path: $0.0, suggestion: $0.1) }
}

/// The candidate within edit distance 2 of `word` (the nearest; ties by name), or nil.
func closest(_ word: String, among candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var prev = row[0]; row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
    let w = Array(word)
    return candidates.map { ($0, distance(w, Array($0))) }.filter { $0.1 <= 2 }.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
}

/// The index of the first entry of `list` equal to an earlier one, with that earlier index
/// (for "`fit[1]` repeats `fit[0]`" errors), or nil when all differ.
public func firstRepeat<T: Hashable>(in list: [T]) -> (index: Int, first: Int)? {
    var seen: [T: Int] = [:]
    for (k, x) in list.enumerated() {
        if let j = seen[x] { return (k, j) }
        seen[x] = k
    }
    return nil
}

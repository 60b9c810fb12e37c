/// The duplicate-key check of ``duplicateKeyPath(in:)`` for strict JSON (RFC 8259), by one scan
/// of the bytes instead of a YAML parse (most of a batch line's decoding time went there).
///
/// Keys are compared unescaped, each checked before its value is scanned and values in document
/// order — the YAML walk's order — so the first duplicate and its path are the same. Returns nil
/// when `text` is not strict JSON (YAML, a syntax error, a lone surrogate escape): the caller
/// then asks the YAML parser, as before.
func jsonDuplicateKeyPath(in text: String) -> String?? {
    var text = text
    return text.withUTF8 { b -> String?? in
        var scanner = JSONKeyScanner(b: b)
        guard scanner.value(), scanner.atEnd() else { return nil }
        return .some(scanner.found)
    }
}

/// A recursive-descent scan of strict JSON that records the first key given twice in one object.
private struct JSONKeyScanner {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0
    /// The path of the first duplicate key, once found (scanning goes on to validate the text).
    var found: String?
    /// Keys and indices from the root to the value being scanned, as in error paths.
    var path: [String] = []

    init(b: UnsafeBufferPointer<UInt8>) { self.b = b }

    mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    mutating func atEnd() -> Bool { skipSpace(); return i == b.count }

    mutating func value() -> Bool {
        skipSpace()
        guard i < b.count else { return false }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return true }
            var seen = Set<String>()
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\""), let key = string() else { return false }
                if !seen.insert(key).inserted, found == nil { found = joinPath(path + [key]) }
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { return false }
                i += 1
                path.append(key)
                guard value() else { return false }
                path.removeLast()
                guard let more = separator(closing: UInt8(ascii: "}")) else { return false }
                if !more { return true }
            }
        case UInt8(ascii: "["):
            i += 1
            skipSpace()
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return true }
            var k = 0
            while true {
                path.append("[\(k)]")
                guard value() else { return false }
                path.removeLast()
                k += 1
                guard let more = separator(closing: UInt8(ascii: "]")) else { return false }
                if !more { return true }
            }
        case UInt8(ascii: "\""):
            return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    /// After a member or element: true at `,` (another follows), false at `closer` (the container
    /// ends), nil at anything else (malformed); the separator is consumed.
    mutating func separator(closing closer: UInt8) -> Bool? {
        skipSpace()
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: ",") { i += 1; return true }
        if b[i] == closer { i += 1; return false }
        return nil
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= b.count else { return false }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { return false }
        i += n
        return true
    }

    /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    mutating func number() -> Bool {
        func digit(_ k: Int) -> Bool { k < b.count && b[k] >= 0x30 && b[k] <= 0x39 }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard digit(i) else { return false }
        if b[i] == 0x30 { i += 1 } else { while digit(i) { i += 1 } }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        return true
    }

    /// The unescaped string starting at the opening quote; nil when it is not strict JSON.
    mutating func string() -> String? {
        i += 1
        var out: [UInt8] = []
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
            if c < 0x20 { return nil }
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { return nil }
            switch b[i] {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var u = hex4(i + 1) else { return nil }
                i += 4
                if u >= 0xD800 && u < 0xDC00 {
                    // A surrogate pair: the low half must follow as \uDC00–\uDFFF.
                    guard i + 2 < b.count, b[i + 1] == UInt8(ascii: "\\"), b[i + 2] == UInt8(ascii: "u"),
                          let low = hex4(i + 3), low >= 0xDC00 && low < 0xE000 else { return nil }
                    u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if u >= 0xDC00 && u < 0xE000 {
                    return nil
                }
                guard let scalar = Unicode.Scalar(u) else { return nil }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: return nil
            }
            i += 1
        }
        return nil
    }

    func hex4(_ at: Int) -> UInt32? {
        guard at + 4 <= b.count else { return nil }
        var u: UInt32 = 0
        for k in at..<(at + 4) {
            let c = b[k]
            let d: UInt8
            switch c {
            case 0x30...0x39: d = c - 0x30
            case 0x41...0x46: d = c - 0x41 + 10
            case 0x61...0x66: d = c - 0x61 + 10
            default: return nil
            }
            u = u << 4 | UInt32(d)
        }
        return u
    }
}

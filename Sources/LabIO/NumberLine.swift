import CSV
import Foundation

/// One line of numbers, as a bid stream gives them (`auctionlab solve INSTANCE --bids FILE`):
/// either a JSON array, `[1.2, 0.8, 3]`, or a CSV record, `1.2,0.8,3` (quoted fields and spaces
/// around a field allowed). JSON goes through Foundation's `JSONDecoder`, CSV through CSV.swift's
/// reader, so quoting and number syntax are the libraries' business, not a hand-written splitter.
public enum NumberLine {
    /// The numbers of `text`: a JSON array when its first non-space character is `[`, else one CSV
    /// record. `field` names the vector in errors (`bids` → `bids[2]`).
    /// - Throws: a ``FieldError`` naming the first element that is not a number, or the line.
    ///
    /// A CSV line of plain numbers (digits, `.`, `e`, `E`, `+`, `-`, commas, spaces and tabs only:
    /// no quote, so each comma ends a field, as CSV.swift's reader splits it) is split here
    /// without the reader when every field is a number; any other line, and any failure, goes
    /// through the reader, which gives the errors.
    public static func parse(_ text: String, field: String) throws -> [Double] {
        let trimmed = String(trim(Substring(text)))
        if trimmed.hasPrefix("[") { return try parseJSON(trimmed, field: field) }
        if let plain = plainNumbers(trimmed) { return plain }
        let fields = try fields(of: trimmed, field: field)
        return try fields.enumerated().map { k, raw in
            let s = trim(Substring(raw))
            guard let x = Double(s) else {
                throw FieldError(field: "\(field)[\(k)]", reason: s.isEmpty ? "is empty" : "= \"\(s)\" is not a number")
            }
            return x
        }
    }

    /// The numbers of a line of plain numeric fields split at its commas, or nil when the line
    /// holds any other character or a field that is not a number (the reader then decides).
    static func plainNumbers(_ text: String) -> [Double]? {
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "e"), UInt8(ascii: "E"),
                 UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: " "), UInt8(ascii: "\t"): continue
            default: return nil
            }
        }
        // Fields between commas (an empty one included), found on the UTF-8 view: the line is ASCII.
        var out: [Double] = []
        let u = text.utf8
        var start = u.startIndex, i = start
        while true {
            if i == u.endIndex || u[i] == UInt8(ascii: ",") {
                guard let x = Double(trim(text[start..<i])) else { return nil }
                out.append(x)
                if i == u.endIndex { return out }
                i = u.index(after: i)
                start = i
            } else {
                i = u.index(after: i)
            }
        }
    }

    /// The fields of one CSV record (CSV.swift's reader); refuses a line holding more than one.
    public static func fields(of text: String, field: String) throws -> [String] {
        let reader: CSVReader
        do { reader = try CSVReader(string: text) } catch {
            throw FieldError(field: field, reason: "is not a CSV record: \(error)")
        }
        guard let row = reader.next() else { throw FieldError(field: field, reason: "is empty") }
        if let e = reader.error { throw FieldError(field: field, reason: "is not a CSV record: \(e)") }
        guard reader.next() == nil else { throw FieldError(field: field, reason: "holds more than one CSV record") }
        return row
    }

    /// `text` without leading and trailing spaces and tabs (Foundation's `trimmingCharacters`
    /// goes through NSString, a fifth of a bid stream's parsing time).
    static func trim(_ text: Substring) -> Substring {
        var s = text
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }

    static func parseJSON(_ text: String, field: String) throws -> [Double] {
        do {
            return try JSONDecoder().decode([Double].self, from: Data(text.utf8))
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw FieldError(field: element(ctx, field), reason: "is not a number")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw FieldError(field: element(ctx, field), reason: "is null")
        } catch let DecodingError.dataCorrupted(ctx) {
            let detail = (ctx.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? ctx.debugDescription
            throw FieldError(field: element(ctx, field), reason: "is not a JSON array of numbers: \(detail)")
        }
    }

    /// `field[k]` for the array element a decoding error points at, else `field`.
    static func element(_ ctx: DecodingError.Context, _ field: String) -> String {
        ctx.codingPath.last?.intValue.map { "\(field)[\($0)]" } ?? field
    }
}

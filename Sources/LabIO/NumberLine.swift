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
    public static func parse(_ text: String, field: String) throws -> [Double] {
        let trimmed = String(trim(Substring(text)))
        if trimmed.hasPrefix("[") { return try parseJSON(trimmed, field: field) }
        let fields = try fields(of: trimmed, field: field)
        return try fields.enumerated().map { k, raw in
            let s = trim(Substring(raw))
            guard let x = Double(s) else {
                throw FieldError(field: "\(field)[\(k)]", reason: s.isEmpty ? "is empty" : "= \"\(s)\" is not a number")
            }
            return x
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

import CSV
import Foundation
import OrderedCollections
import Yams

/// Reading and writing the files every experiment shares: CSV through CSV.swift (quoting is
/// the library's business), deterministic number formatting (same bytes on every run), and
/// YAML specs whose decoding errors name the file and the field.

/// `%.10g`, or `nan` — the one number format of every CSV and Markdown table we write.
public func num(_ x: Double) -> String { x.isFinite ? String(format: "%.10g", x) : "nan" }

/// CSV text (header + rows, trailing newline) through CSV.swift's writer.
public func csvText(_ header: [String], _ rows: [[String]]) throws -> String {
    let w = try CSVWriter(stream: .toMemory())
    try w.write(row: header)
    for r in rows { try w.write(row: r) }
    w.stream.close()
    let data = w.stream.property(forKey: .dataWrittenToMemoryStreamKey) as! Data
    return String(decoding: data, as: UTF8.self) + "\n"
}

/// `xs` grouped by `key`, groups in order of first appearance, elements in their order
/// (swift-collections' `OrderedDictionary(grouping:by:)`; O(n) expected).
public func orderedGroups<T, K: Hashable>(_ xs: [T], by key: (T) -> K) -> [[T]] {
    Array(OrderedDictionary(grouping: xs, by: key).values)
}

/// A Markdown table.
public func markdownTable(_ header: [String], _ rows: [[String]]) -> String {
    // An unlabelled header cell (e.g. a ✓/✗ column) is written "| |", as the tables always were.
    var md = "|" + header.map { $0.isEmpty ? " |" : " \($0) |" }.joined() + "\n"
    md += "|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
    for r in rows { md += "| " + r.joined(separator: " | ") + " |\n" }
    return md
}

/// Decodes YAML into `T`, turning Swift's `DecodingError`s into a `FieldError` that names the field.
/// Before decoding, the text's nesting depth is bounded (``checkNesting(_:file:)``) and a key
/// given twice is refused; after, a key that no field read (a misspelling) is refused, naming
/// the closest known key, when `T` is also `Encodable` (see ``unknownKey(in:decoded:)``).
public func decodeYAML<T: Decodable>(_ type: T.Type, from text: String, file: String) throws -> T {
    func path(_ ctx: DecodingError.Context, _ extra: CodingKey? = nil) -> String {
        let p = joinPath((ctx.codingPath + (extra.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue })
        return p.isEmpty ? "(document)" : p
    }
    try checkDuplicateKeys(text, file: file)
    do {
        let value = try YAMLDecoder().decode(T.self, from: text)
        if let encodable = value as? any Encodable, let (field, suggestion) = unknownKey(in: text, decoded: encodable) {
            throw FieldError(file: file, field: field, reason: "is not a key of this file" + (suggestion.map { "; did you mean `\($0)`?" } ?? " (misspelt?)"))
        }
        return value
    } catch let e as FieldError {
        throw e
    } catch let DecodingError.keyNotFound(key, ctx) {
        throw FieldError(file: file, field: path(ctx, key), reason: "is missing")
    } catch let DecodingError.typeMismatch(type, ctx) {
        throw FieldError(file: file, field: path(ctx), reason: "has the wrong type (expected \(type))")
    } catch let DecodingError.valueNotFound(_, ctx) {
        throw FieldError(file: file, field: path(ctx), reason: "is empty")
    } catch let DecodingError.dataCorrupted(ctx) {
        throw FieldError(file: file, field: path(ctx), reason: "is not valid YAML: \(ctx.debugDescription)")
    } catch {
        throw FieldError(file: file, field: "(document)", reason: "is not valid YAML: \(error)")
    }
}

/// An input file that cannot be used: missing, a folder, unreadable (with the system's
/// reason) or empty. The message names the file.
public struct InputFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file's path, what it was meant to be (e.g. "experiment spec") and why it cannot be read.
    public let path: String, what: String, reason: String
    /// An error for the file at `path`.
    public init(path: String, what: String, reason: String) { self.path = path; self.what = what; self.reason = reason }
    /// "WHAT PATH is empty", or "cannot read WHAT PATH: REASON".
    public var description: String { reason == "is empty" ? "\(what) \(path) is empty" : "cannot read \(what) \(path): \(reason)" }
}

/// The bytes of an input file, or an ``InputFileError`` saying what is wrong with it.
/// Works for devices and pipes (`/dev/stdin`), whose size is not known in advance.
public func readInputFile(_ path: String, what: String) throws -> Data {
    func fail(_ reason: String) -> InputFileError { InputFileError(path: path, what: what, reason: reason) }
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw fail("no such file") }
    guard !isDir.boolValue else { throw fail("it is a folder, not a file") }
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw fail(access(path, R_OK) == 0 ? "it cannot be opened" : String(cString: strerror(errno)))
    }
    defer { try? handle.close() }
    let data: Data
    do { data = try handle.readToEnd() ?? Data() } catch { throw fail("reading failed (\(error.localizedDescription))") }
    guard !data.isEmpty else { throw fail("is empty") }
    return data
}

/// ``readInputFile(_:what:)`` as UTF-8 text (refusing other encodings by name).
public func readInputText(_ path: String, what: String) throws -> String {
    let data = try readInputFile(path, what: what)
    guard let text = String(data: data, encoding: .utf8) else {
        throw InputFileError(path: path, what: what, reason: "it is not UTF-8 text")
    }
    return text
}

/// A spec that names its study and may name the folder it writes to (sweeps, studies,
/// calibrations, SALE runs): one rule for where results go.
public protocol WritesResults {
    /// The study's name; the default folder is `Results/NAME`.
    var name: String { get }
    /// The spec's `output` folder, if it names one.
    var output: String? { get }
}

extension WritesResults {
    /// The folder a run writes to: `override` (a command's --out), else the spec's `output`, else Results/NAME.
    public func outputDirectory(override: String? = nil) -> String { override ?? output ?? "Results/\(name)" }
}

/// A value that cannot be used, named by its field: the one "bad field" error of every module.
///
/// Spec and instance files, market and topology files, priors, equilibrium settings, sweep row
/// files and command-line values all report a wrong value as a `FieldError`: the file it was
/// read from (nil when it was not read from a file: a built instance, a setting, an option), the
/// field (a path such as `agents[2].prior.high`, `sweep.rho[1]`, `--shard`, or `(document)` for
/// the whole file) and why. Errors that are not about one field (a solver failure, a file that
/// cannot be read, a refused merge) keep types of their own.
public struct FieldError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file the value was read from, or nil for a value not read from a file.
    public let file: String?
    /// The field's path: `agents[2].prior.high`, `sweep.rho[1]`, `--shard`, or `(document)`.
    public let field: String
    /// Why the value cannot be used ("is missing", "must be ≥ 2 (got 1)", …).
    public let reason: String

    /// An error for `field` (of `file`, when the value was read from one).
    public init(file: String? = nil, field: String, reason: String) {
        self.file = file; self.field = field; self.reason = reason
    }

    /// "FILE: `FIELD` REASON", or "`FIELD` REASON" for a value not read from a file.
    public var description: String { (file.map { "\($0): " } ?? "") + "`\(field)` \(reason)" }

    /// The same error, read from `file` (an error that already names its file keeps it).
    public func reading(_ file: String) -> FieldError { FieldError(file: self.file ?? file, field: field, reason: reason) }

    /// The same error with its field inside `parent`: `default` and `nodes` give `default.nodes`,
    /// `agents[0]` and `[1]` give `agents[0][1]`.
    public func within(_ parent: String) -> FieldError {
        FieldError(file: file, field: field.hasPrefix("[") ? parent + field : "\(parent).\(field)", reason: reason)
    }
}

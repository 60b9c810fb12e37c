import Foundation

/// Errors of the SALE module: malformed trace files and invalid settings or specs.
public enum SaleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A trace CSV problem: row (1-based, header = row 1), column name, reason.
    case trace(file: String, row: Int, column: String, reason: String)
    /// Any other invalid input (a setting, a spec field, a target); the message names the field.
    case invalid(String)
    /// The message with the file, row and column for trace errors.
    public var description: String {
        switch self {
        case let .trace(file, row, column, reason): return "\(file): row \(row), column `\(column)`: \(reason)"
        case let .invalid(m): return m
        }
    }
}

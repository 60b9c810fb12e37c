/// Invalid settings or instance for an equilibrium computation. Every case names the field.
public enum EquilibriumError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A setting or instance field cannot be used: its name and why.
    case invalid(field: String, reason: String)
    /// The field in backticks, then the reason.
    public var description: String {
        switch self { case let .invalid(field, reason): return "`\(field)` \(reason)" }
    }
}

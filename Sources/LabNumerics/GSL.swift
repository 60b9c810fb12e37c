import CGSL

/// A GSL routine reported failure. GSL's own abort-on-error handler is switched
/// off before any call (see `GSL.ensureReady()`), so every status becomes one of these.
public struct GSLError: Error, CustomStringConvertible, Equatable, Sendable {
    /// GSL's status code (`GSL_E…`, nonzero).
    public let status: Int
    /// The GSL routine that failed (with its arguments where useful).
    public let routine: String
    /// The routine, GSL's own message for the status (`gsl_strerror`) and the code.
    public var description: String {
        let reason = String(cString: gsl_strerror(Int32(status)))
        return "GSL \(routine) failed: \(reason) (status \(status))"
    }
}

/// Errors produced by the numerical wrappers themselves (not by GSL).
public enum NumericsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A root bracket [low, high] on which the function does not change sign.
    case noSignChange(routine: String, low: Double, high: Double)
    /// The function returned NaN or ±∞ at `at` (the first such point met).
    case nonFinite(routine: String, at: Double)
    /// An optimisation problem has no feasible solution (GLPK).
    case infeasible(String)
    /// Any other solver failure (allocation, a GLPK return code, bad arguments).
    case solverFailed(String)

    /// The routine and the reason, in one line.
    public var description: String {
        switch self {
        case let .noSignChange(r, lo, hi): return "\(r): the function does not change sign on [\(lo), \(hi)]"
        case let .nonFinite(r, x): return "\(r): the function is not finite at \(x)"
        case let .infeasible(m): return "infeasible: \(m)"
        case let .solverFailed(m): return "solver failed: \(m)"
        }
    }
}

/// GSL's default error handler calls `abort()`. It is switched off exactly once,
/// lazily and thread-safely (Swift globals are initialised with `swift_once`).
private let gslReady: Bool = {
    _ = gsl_set_error_handler_off()
    return true
}()

/// The process-wide GSL set-up every wrapper relies on.
public enum GSL {
    /// Call before any GSL routine. Cheap after the first call.
    @inline(__always) public static func ensureReady() { _ = gslReady }

    @inline(__always) static func check(_ status: Int32, _ routine: String) throws {
        if status != GSL_SUCCESS { throw GSLError(status: Int(status), routine: routine) }
    }
}

/// Boxes a Swift closure so that it can travel through GSL's `void *params`.
final class FunctionBox {
    let body: (Double) -> Double
    var firstNonFinite: Double?
    init(_ body: @escaping (Double) -> Double) { self.body = body }
}

/// Runs `work` with a `gsl_function` that calls `f`. The box lives for the call only.
func withGSLFunction<R>(_ f: @escaping (Double) -> Double, _ work: (inout gsl_function, FunctionBox) throws -> R) rethrows -> R {
    let box = FunctionBox(f)
    let raw = Unmanaged.passRetained(box).toOpaque()
    defer { Unmanaged<FunctionBox>.fromOpaque(raw).release() }
    var fn = gsl_function(function: { x, params in
        let box = Unmanaged<FunctionBox>.fromOpaque(params!).takeUnretainedValue()
        let y = box.body(x)
        if !y.isFinite, box.firstNonFinite == nil { box.firstNonFinite = x }
        return y
    }, params: raw)
    return try work(&fn, box)
}

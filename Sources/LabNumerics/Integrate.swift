import CGSL

/// Adaptive quadrature through GSL (`gsl_integration_qags` / `qagp`).
/// A workspace is allocated per call: GSL workspaces are not thread-safe.
public enum Integrate {
    public struct Result: Sendable { public let value: Double; public let absError: Double }

    /// ∫_a^b f(x) dx. `breakpoints` (inside (a,b)) are passed to QAGP so that
    /// discontinuities of f (mixture component edges) do not slow convergence.
    public static func integral(_ f: @escaping (Double) -> Double, from a: Double, to b: Double,
                                breakpoints: [Double] = [], epsAbs: Double = 0, epsRel: Double = 1e-10,
                                limit: Int = 2000) throws -> Result {
        GSL.ensureReady()
        if a == b { return Result(value: 0, absError: 0) }
        guard let ws = gsl_integration_workspace_alloc(limit) else {
            throw NumericsError.solverFailed("gsl_integration_workspace_alloc")
        }
        defer { gsl_integration_workspace_free(ws) }
        var value = 0.0, err = 0.0
        let inner = Array(Set(breakpoints.filter { $0 > a && $0 < b })).sorted()
        let status: Int32 = withGSLFunction(f) { fn, _ in
            if inner.isEmpty {
                return gsl_integration_qags(&fn, a, b, epsAbs, epsRel, limit, ws, &value, &err)
            }
            var pts = [a] + inner + [b]
            return gsl_integration_qagp(&fn, &pts, pts.count, epsAbs, epsRel, limit, ws, &value, &err)
        }
        try GSL.check(status, inner.isEmpty ? "gsl_integration_qags" : "gsl_integration_qagp")
        return Result(value: value, absError: err)
    }
}

import CGSL

/// Adaptive quadrature through GSL (`gsl_integration_qags`, one call per smooth piece).
/// A workspace is allocated per call: GSL workspaces are not thread-safe.
public enum Integrate {
    /// The integral and GSL's estimate of its absolute error (summed over the pieces).
    public struct Result: Sendable { public let value: Double; public let absError: Double }

    /// ∫_a^b f(x) dx. `breakpoints` (inside (a,b)) split the range so that
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
        // One QAGS per piece between breakpoints: each piece is smooth, and a
        // failure is reported for the piece rather than for the whole range.
        let pts = [a] + inner + [b]
        var total = 0.0, totalErr = 0.0
        for (lo, hi) in zip(pts, pts.dropFirst()) where hi - lo > 1e-13 * max(1, abs(lo), abs(hi)) {
            let status: Int32 = withGSLFunction(f) { fn, _ in
                gsl_integration_qags(&fn, lo, hi, epsAbs, epsRel, limit, ws, &value, &err)
            }
            // Roundoff (status 18) on a piece still returns GSL's best estimate and its error.
            if status != GSL_EROUND { try GSL.check(status, "gsl_integration_qags on [\(lo), \(hi)]") }
            total += value
            totalErr += err
        }
        return Result(value: total, absError: totalErr)
    }
}

import CGSL

/// Bracketing root-finding through GSL's Brent solver (`gsl_root_fsolver_brent`).
public enum Root {
    /// A root of `f` in `[low, high]`; `f(low)` and `f(high)` must differ in sign
    /// (or one of them be zero). Converges to a sign change, so it also finds the
    /// jump point of a monotone step (generalised inverse).
    public static func brent(_ f: @escaping (Double) -> Double, low: Double, high: Double,
                             epsAbs: Double = 0, epsRel: Double = 4e-16, maxIterations: Int = 500) throws -> Double {
        GSL.ensureReady()
        let flo = f(low), fhi = f(high)
        if flo == 0 { return low }
        if fhi == 0 { return high }
        guard flo.isFinite, fhi.isFinite else { throw NumericsError.nonFinite(routine: "Root.brent", at: flo.isFinite ? high : low) }
        guard (flo < 0) != (fhi < 0) else { throw NumericsError.noSignChange(routine: "Root.brent", low: low, high: high) }
        guard let solver = gsl_root_fsolver_alloc(cgsl_root_brent()) else {
            throw NumericsError.solverFailed("gsl_root_fsolver_alloc")
        }
        defer { gsl_root_fsolver_free(solver) }
        return try withGSLFunction(f) { fn, box in
            try GSL.check(gsl_root_fsolver_set(solver, &fn, low, high), "gsl_root_fsolver_set")
            var x = gsl_root_fsolver_root(solver)
            for _ in 0..<maxIterations {
                let st = gsl_root_fsolver_iterate(solver)
                if let bad = box.firstNonFinite { throw NumericsError.nonFinite(routine: "Root.brent", at: bad) }
                try GSL.check(st, "gsl_root_fsolver_iterate")
                x = gsl_root_fsolver_root(solver)
                let lo = gsl_root_fsolver_x_lower(solver), hi = gsl_root_fsolver_x_upper(solver)
                if gsl_root_test_interval(lo, hi, epsAbs, epsRel) == GSL_SUCCESS { break }
                if hi - lo <= 2 * Double.ulpOfOne * max(abs(lo), abs(hi)) + Double.leastNormalMagnitude { break }
            }
            return x
        }
    }
}

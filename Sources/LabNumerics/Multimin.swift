import CGSL

/// Derivative-free minimisation through GSL's Nelder–Mead simplex
/// (`gsl_multimin_fminimizer_nmsimplex2`).
///
/// GSL's abort-on-error handler is off (`GSL.ensureReady()`) and every status is
/// checked. The objective is evaluated only on the calling thread, in GSL's order, so a
/// deterministic objective gives a deterministic result.
public enum Multimin {
    /// What a Nelder–Mead run ended with.
    public struct Result: Sendable, Equatable {
        /// The best point found and its objective value.
        public let x: [Double]
        /// The objective at ``x``.
        public let value: Double
        /// Simplex iterations and objective evaluations used.
        public let iterations: Int
        /// Objective evaluations used (GSL's, counted by the wrapper).
        public let evaluations: Int
        /// True when the simplex size fell below the tolerance (else the iteration cap ended it).
        public let converged: Bool
    }

    /// Minimises `f` from `start` with initial simplex steps `steps` (one per coordinate,
    /// non-zero), stopping when GSL's characteristic simplex size is below `sizeTolerance`
    /// or after `maxIterations`. `f` must return a finite value at every point it is asked
    /// about; a non-finite value is reported as `NumericsError.nonFinite` at its first
    /// coordinate (the objective should encode constraints itself, e.g. by a penalty).
    public static func nelderMead(_ f: @escaping ([Double]) -> Double, start: [Double], steps: [Double],
                                  sizeTolerance: Double = 1e-4, maxIterations: Int = 500) throws -> Result {
        GSL.ensureReady()
        let n = start.count
        guard n > 0 else { throw NumericsError.solverFailed("Multimin.nelderMead: no coordinates to minimise over") }
        guard steps.count == n else {
            throw NumericsError.solverFailed("Multimin.nelderMead: \(steps.count) steps for \(n) coordinates")
        }
        guard start.allSatisfy(\.isFinite), steps.allSatisfy({ $0.isFinite && $0 != 0 }) else {
            throw NumericsError.solverFailed("Multimin.nelderMead: start and steps must be finite and steps non-zero")
        }
        guard let x0 = gsl_vector_alloc(n) else { throw NumericsError.solverFailed("gsl_vector_alloc") }
        defer { gsl_vector_free(x0) }
        guard let ss = gsl_vector_alloc(n) else { throw NumericsError.solverFailed("gsl_vector_alloc") }
        defer { gsl_vector_free(ss) }
        for i in 0..<n { gsl_vector_set(x0, i, start[i]); gsl_vector_set(ss, i, steps[i]) }
        guard let solver = gsl_multimin_fminimizer_alloc(cgsl_multimin_nmsimplex2(), n) else {
            throw NumericsError.solverFailed("gsl_multimin_fminimizer_alloc")
        }
        defer { gsl_multimin_fminimizer_free(solver) }

        let box = VectorFunctionBox(f, dimension: n)
        let raw = Unmanaged.passRetained(box).toOpaque()
        defer { Unmanaged<VectorFunctionBox>.fromOpaque(raw).release() }
        var fn = gsl_multimin_function(f: { v, params in
            let box = Unmanaged<VectorFunctionBox>.fromOpaque(params!).takeUnretainedValue()
            let x = (0..<box.dimension).map { gsl_vector_get(v!, $0) }
            box.evaluations += 1
            let y = box.body(x)
            if !y.isFinite, box.firstNonFinite == nil { box.firstNonFinite = x }
            return y
        }, n: n, params: raw)

        func failIfNonFinite() throws {
            if let bad = box.firstNonFinite { throw NumericsError.nonFinite(routine: "Multimin.nelderMead", at: bad.first ?? .nan) }
        }
        let setStatus = gsl_multimin_fminimizer_set(solver, &fn, x0, ss)
        try failIfNonFinite()
        try GSL.check(setStatus, "gsl_multimin_fminimizer_set")
        var iterations = 0, converged = false
        while iterations < maxIterations {
            iterations += 1
            let st = gsl_multimin_fminimizer_iterate(solver)
            try failIfNonFinite()
            // GSL_ENOPROG: the simplex cannot improve any more — a stop, not a failure.
            if st == GSL_ENOPROG { converged = true; break }
            try GSL.check(st, "gsl_multimin_fminimizer_iterate")
            let size = gsl_multimin_fminimizer_size(solver)
            if gsl_multimin_test_size(size, sizeTolerance) == GSL_SUCCESS { converged = true; break }
        }
        let best = gsl_multimin_fminimizer_x(solver)!
        return Result(x: (0..<n).map { gsl_vector_get(best, $0) }, value: gsl_multimin_fminimizer_minimum(solver),
                      iterations: iterations, evaluations: box.evaluations, converged: converged)
    }
}

/// Boxes a Swift closure of a vector so it can travel through `gsl_multimin_function.params`.
final class VectorFunctionBox {
    let body: ([Double]) -> Double
    let dimension: Int
    var evaluations = 0
    var firstNonFinite: [Double]?
    init(_ body: @escaping ([Double]) -> Double, dimension: Int) { self.body = body; self.dimension = dimension }
}

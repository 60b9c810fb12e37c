import CGLPK
import Foundation

/// A minimisation MILP, solved by GLPK's branch-and-cut (`glp_intopt`, presolve on).
/// Value type: building it touches no GLPK state; `solve()` creates and frees its
/// own problem object, so no GLPK pointer outlives the call.
public struct MixedIntegerProgram: Sendable {
    /// A variable's domain: real, integer, or 0/1.
    public enum Kind: Sendable { case continuous, integer, binary }

    /// One variable: bounds (±∞ for none), domain and objective coefficient.
    public struct Variable: Sendable {
        /// Lower and upper bound (equal bounds fix the variable), its kind, and its cost in the
        /// minimised objective.
        public var lower: Double, upper: Double, kind: Kind, cost: Double
    }
    /// One linear row: lower ≤ Σ coefficient·x[index] ≤ upper.
    public struct Constraint: Sendable {
        /// The nonzero terms: variable index (0-based) and coefficient.
        public var terms: [(index: Int, coefficient: Double)]
        /// Row bounds; nil = unbounded on that side (both nil = a free row).
        public var lower: Double?, upper: Double?
    }
    /// An optimal solution.
    public struct Solution: Sendable {
        /// The minimised objective value.
        public let objective: Double
        /// One value per variable, in index order.
        public let values: [Double]
    }

    /// The variables, in index order.
    public private(set) var variables: [Variable] = []
    /// The constraints, in the order added.
    public private(set) var constraints: [Constraint] = []
    /// An empty program (no variables, no constraints).
    public init() {}

    /// Adds a variable with `cost` in the objective; returns its index.
    @discardableResult
    public mutating func addVariable(lower: Double = 0, upper: Double = .infinity, kind: Kind = .continuous, cost: Double) -> Int {
        variables.append(Variable(lower: lower, upper: upper, kind: kind, cost: cost))
        return variables.count - 1
    }

    /// Adds `lower ≤ Σ coefficient·x[index] ≤ upper` (either bound may be nil).
    public mutating func addConstraint(_ terms: [(index: Int, coefficient: Double)], lower: Double? = nil, upper: Double? = nil) {
        constraints.append(Constraint(terms: terms, lower: lower, upper: upper))
    }

    /// GLPK's environment is not guaranteed thread-safe in Debian's build: one solve at a time.
    private static let lock = NSLock()

    /// Solves to optimality within `relativeGap` (0 = proven optimal; GLPK's `mip_gap`), one
    /// solve at a time process-wide (GLPK is not assumed thread-safe). Worst case exponential
    /// in the number of integer variables (branch-and-cut).
    /// - Throws: `NumericsError.infeasible` when there is no feasible solution,
    ///   `NumericsError.solverFailed` for any other GLPK failure.
    public func solve(relativeGap: Double = 0) throws -> Solution {
        Self.lock.lock(); defer { Self.lock.unlock() }
        _ = glp_term_out(GLP_OFF)
        guard let lp = glp_create_prob() else { throw NumericsError.solverFailed("glp_create_prob") }
        defer { glp_delete_prob(lp) }
        glp_set_obj_dir(lp, GLP_MIN)
        let n = Int32(variables.count), m = Int32(constraints.count)
        if n > 0 { glp_add_cols(lp, n) }
        for (k, v) in variables.enumerated() {
            let j = Int32(k + 1)
            let type: Int32 = v.upper.isInfinite ? (v.lower.isInfinite ? GLP_FR : GLP_LO) : (v.lower == v.upper ? GLP_FX : GLP_DB)
            glp_set_col_bnds(lp, j, type, v.lower.isFinite ? v.lower : 0, v.upper.isFinite ? v.upper : 0)
            switch v.kind {
            case .continuous: glp_set_col_kind(lp, j, GLP_CV)
            case .integer: glp_set_col_kind(lp, j, GLP_IV)
            case .binary: glp_set_col_kind(lp, j, GLP_BV)
            }
            glp_set_obj_coef(lp, j, v.cost)
        }
        if m > 0 { glp_add_rows(lp, m) }
        var ia: [Int32] = [0], ja: [Int32] = [0], ar: [Double] = [0]
        for (r, c) in constraints.enumerated() {
            let i = Int32(r + 1)
            let type: Int32
            switch (c.lower, c.upper) {
            case (nil, nil): type = GLP_FR
            case (_?, nil): type = GLP_LO
            case (nil, _?): type = GLP_UP
            case let (lo?, hi?): type = lo == hi ? GLP_FX : GLP_DB
            }
            glp_set_row_bnds(lp, i, type, c.lower ?? 0, c.upper ?? 0)
            for t in c.terms {
                ia.append(i); ja.append(Int32(t.index + 1)); ar.append(t.coefficient)
            }
        }
        glp_load_matrix(lp, Int32(ia.count - 1), &ia, &ja, &ar)
        var parm = glp_iocp()
        glp_init_iocp(&parm)
        parm.presolve = GLP_ON
        parm.msg_lev = GLP_MSG_OFF
        parm.mip_gap = relativeGap
        let rc = glp_intopt(lp, &parm)
        guard rc == 0 else {
            if rc == GLP_ENOPFS || rc == GLP_ENODFS { throw NumericsError.infeasible("GLPK presolver: no feasible solution") }
            throw NumericsError.solverFailed("glp_intopt returned \(rc)")
        }
        let status = glp_mip_status(lp)
        guard status == GLP_OPT else {
            if status == GLP_NOFEAS { throw NumericsError.infeasible("GLPK: integer problem has no feasible solution") }
            throw NumericsError.solverFailed("GLPK MIP status \(status)")
        }
        let values = (0..<Int(n)).map { glp_mip_col_val(lp, Int32($0 + 1)) }
        return Solution(objective: glp_mip_obj_val(lp), values: values)
    }
}

import CGLPK
import Foundation

/// A fixed LP feasibility system whose rows are switched on and off between checks: one GLPK
/// problem object kept for the lifetime of the value, re-solved by the dual simplex from the
/// previous basis (switching a row is a bound change, which leaves the basis dual feasible), so
/// a check after a few switches costs a few pivots instead of a fresh solve.
///
/// The columns have the given bounds and no objective; row r reads Σ a_rk·x_k ≤ upper_r when
/// on and is free when off. One owner at a time; every GLPK call (including `deinit`) holds
/// `MixedIntegerProgram`'s lock, since GLPK's environment is shared between threads.
public final class FeasibilityLP {
    private let lp: OpaquePointer
    private let upper: [Double]
    private var on: [Bool]
    /// Number of variables (columns) of the LP.
    public let columns: Int

    /// `rows[r]` holds one coefficient per column; all rows start off.
    public init(bounds: [ClosedRange<Double>], rows: [[Double]], upper: [Double]) throws {
        precondition(rows.count == upper.count && rows.allSatisfy { $0.count == bounds.count })
        MixedIntegerProgram.lock.lock(); defer { MixedIntegerProgram.lock.unlock() }
        _ = glp_term_out(GLP_OFF)
        guard let lp = glp_create_prob() else { throw NumericsError.solverFailed("glp_create_prob") }
        self.lp = lp; self.upper = upper; self.on = Array(repeating: false, count: rows.count); self.columns = bounds.count
        glp_set_obj_dir(lp, GLP_MIN)
        glp_add_cols(lp, Int32(bounds.count))
        for (k, b) in bounds.enumerated() {
            glp_set_col_bnds(lp, Int32(k + 1), b.lowerBound == b.upperBound ? GLP_FX : GLP_DB, b.lowerBound, b.upperBound)
        }
        if !rows.isEmpty { glp_add_rows(lp, Int32(rows.count)) }
        var ia: [Int32] = [0], ja: [Int32] = [0], ar: [Double] = [0]
        for (r, row) in rows.enumerated() {
            glp_set_row_bnds(lp, Int32(r + 1), GLP_FR, 0, 0)
            for (k, a) in row.enumerated() where a != 0 { ia.append(Int32(r + 1)); ja.append(Int32(k + 1)); ar.append(a) }
        }
        glp_load_matrix(lp, Int32(ia.count - 1), &ia, &ja, &ar)
        glp_adv_basis(lp, 0)
    }

    deinit {
        MixedIntegerProgram.lock.lock(); defer { MixedIntegerProgram.lock.unlock() }
        glp_delete_prob(lp)
    }

    /// Switches exactly the rows in `active` on and all others off.
    public func activate(_ active: Set<Int>) {
        MixedIntegerProgram.lock.lock(); defer { MixedIntegerProgram.lock.unlock() }
        for r in on.indices where on[r] != active.contains(r) {
            on[r].toggle()
            glp_set_row_bnds(lp, Int32(r + 1), on[r] ? GLP_UP : GLP_FR, 0, on[r] ? upper[r] : 0)
        }
    }

    /// A point satisfying the bounds and every active row, or nil if none exists (proven by the
    /// simplex method, GLPK's tolerances).
    public func solve() throws -> [Double]? {
        MixedIntegerProgram.lock.lock(); defer { MixedIntegerProgram.lock.unlock() }
        var parm = glp_smcp()
        glp_init_smcp(&parm)
        parm.msg_lev = GLP_MSG_OFF
        parm.meth = GLP_DUALP
        var rc = glp_simplex(lp, &parm)
        if rc == GLP_EFAIL || rc == GLP_ESING || rc == GLP_ECOND {   // a bad basis: restart from an advanced one
            glp_adv_basis(lp, 0)
            rc = glp_simplex(lp, &parm)
        }
        guard rc == 0 else { throw NumericsError.solverFailed("glp_simplex returned \(rc)") }
        let status = glp_get_status(lp)
        if status == GLP_NOFEAS || glp_get_prim_stat(lp) == GLP_NOFEAS { return nil }
        guard status == GLP_OPT else { throw NumericsError.solverFailed("GLPK LP status \(status)") }
        return (0..<columns).map { glp_get_col_prim(lp, Int32($0 + 1)) }
    }
}

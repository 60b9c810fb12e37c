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
    static let lock = NSLock()

    /// Limits and a starting point for a branch-and-cut run (`solve(_:)`).
    public struct Options: Sendable {
        /// Relative MIP gap at which GLPK stops (0: prove optimality).
        public var relativeGap: Double = 0
        /// Stop after this many branch-and-bound nodes (deterministic, unlike a wall-clock limit);
        /// nil: no limit.
        public var nodeLimit: Int?
        /// Wall-clock limit in seconds (GLPK's `tm_lim`); nil: none. Results then depend on the
        /// machine's speed: prefer `nodeLimit` where outputs must be reproducible.
        public var timeLimit: Double?
        /// A feasible point (one value per variable) handed to GLPK as its first incumbent, so
        /// every node whose bound cannot beat it is pruned from the start. Ignored if infeasible.
        public var incumbent: [Double]?
        /// Branch on the most fractional variable and pick the open node with the best bound
        /// (GLPK's default: Driebeck–Tomlin branching, best local bound). On pure 0/1 packing
        /// problems this proves optimality several times faster (measured on SALE's weight-fit
        /// masters, issue 16).
        public var mostFractionalBestBound = false
        /// Stop at the first integer point GLPK finds (with presolve off). The outcome's bound
        /// stays valid; use with a constraint that makes any feasible point useful (a cutoff).
        public var stopAtFirstPoint = false
        /// Options with every limit off by default (solve to proven optimality).
        public init(relativeGap: Double = 0, nodeLimit: Int? = nil, timeLimit: Double? = nil, incumbent: [Double]? = nil,
                    mostFractionalBestBound: Bool = false, stopAtFirstPoint: Bool = false) {
            self.relativeGap = relativeGap; self.nodeLimit = nodeLimit; self.timeLimit = timeLimit; self.incumbent = incumbent
            self.mostFractionalBestBound = mostFractionalBestBound; self.stopAtFirstPoint = stopAtFirstPoint
        }
    }

    /// What a limited branch-and-cut run proved: the best point found (if any) and a lower bound
    /// on the optimum (this is a minimisation), valid whether or not the run finished.
    public struct Outcome: Sendable {
        /// The best integer-feasible point found; nil if none (and none was given).
        public let solution: Solution?
        /// A proven lower bound on the optimal objective (the best bound over the open nodes
        /// when the run stopped; the optimum itself when `optimal`).
        public let bound: Double
        /// True when the search finished (within `relativeGap`).
        public let optimal: Bool
        /// Branch-and-bound nodes created.
        public let nodes: Int
    }

    /// Solves to optimality within `relativeGap` (0 = proven optimal; GLPK's `mip_gap`), one
    /// solve at a time process-wide (GLPK is not assumed thread-safe). Worst case exponential
    /// in the number of integer variables (branch-and-cut).
    /// - Throws: `NumericsError.infeasible` when there is no feasible solution,
    ///   `NumericsError.solverFailed` for any other GLPK failure.
    public func solve(relativeGap: Double = 0) throws -> Solution {
        let out = try solve(Options(relativeGap: relativeGap))
        guard out.optimal, let s = out.solution else { throw NumericsError.solverFailed("GLPK stopped before optimality") }
        return s
    }

    /// Branch-and-cut with limits and an optional starting incumbent. With an incumbent GLPK's
    /// presolver is off (a heuristic point must be stated in the columns of the problem GLPK
    /// searches) and the root LP is solved by the simplex method first.
    /// Throws `NumericsError.infeasible` when no integer point exists (proven).
    public func solve(_ options: Options) throws -> Outcome {
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
        let context = SearchContext(incumbent: options.incumbent.map { [0] + $0 }, nodeLimit: options.nodeLimit,
                                    stopAtFirst: options.stopAtFirstPoint)
        var parm = glp_iocp()
        glp_init_iocp(&parm)
        parm.msg_lev = GLP_MSG_OFF
        parm.mip_gap = options.relativeGap
        if options.mostFractionalBestBound { parm.br_tech = GLP_BR_MFV; parm.bt_tech = GLP_BT_BLB }
        if let t = options.timeLimit { parm.tm_lim = Int32(max(1, min(Double(Int32.max), t * 1000))) }
        if options.incumbent != nil || options.stopAtFirstPoint {
            var smcp = glp_smcp()
            glp_init_smcp(&smcp)
            smcp.msg_lev = GLP_MSG_OFF
            let rc = glp_simplex(lp, &smcp)
            guard rc == 0 else { throw NumericsError.solverFailed("glp_simplex (root LP) returned \(rc)") }
            let st = glp_get_status(lp)
            if st == GLP_NOFEAS { throw NumericsError.infeasible("GLPK: the LP relaxation has no feasible solution") }
            guard st == GLP_OPT else { throw NumericsError.solverFailed("GLPK root LP status \(st)") }
            parm.presolve = GLP_OFF
        } else {
            parm.presolve = GLP_ON
        }
        parm.cb_func = { tree, info in
            guard let tree, let info else { return }
            Unmanaged<SearchContext>.fromOpaque(info).takeUnretainedValue().callback(tree)
        }
        let retained = Unmanaged.passRetained(context)
        defer { retained.release() }
        parm.cb_info = retained.toOpaque()
        let rc = glp_intopt(lp, &parm)
        if rc == GLP_ENOPFS || rc == GLP_ENODFS { throw NumericsError.infeasible("GLPK presolver: no feasible solution") }
        guard rc == 0 || rc == GLP_ETMLIM || rc == GLP_ESTOP || rc == GLP_EMIPGAP else {
            throw NumericsError.solverFailed("glp_intopt returned \(rc)")
        }
        let status = glp_mip_status(lp)
        if status == GLP_NOFEAS { throw NumericsError.infeasible("GLPK: integer problem has no feasible solution") }
        let solution = (status == GLP_OPT || status == GLP_FEAS)
            ? Solution(objective: glp_mip_obj_val(lp), values: (0..<Int(n)).map { glp_mip_col_val(lp, Int32($0 + 1)) }) : nil
        let finished = rc == 0 && status == GLP_OPT
        let bound: Double
        if finished, let solution { bound = solution.objective }
        else { bound = min(context.bound ?? -.infinity, solution?.objective ?? .infinity) }
        return Outcome(solution: solution, bound: bound, optimal: finished, nodes: context.nodes)
    }
}

/// State of one `glp_intopt` call seen by its callback: hands GLPK the starting incumbent once,
/// records the best bound over the open nodes, and stops the search at the node limit.
private final class SearchContext {
    var incumbent: [Double]?
    let nodeLimit: Int?
    let stopAtFirst: Bool
    var bound: Double?
    var nodes = 0
    init(incumbent: [Double]?, nodeLimit: Int?, stopAtFirst: Bool) {
        self.incumbent = incumbent; self.nodeLimit = nodeLimit; self.stopAtFirst = stopAtFirst
    }

    func callback(_ tree: OpaquePointer) {
        var active: Int32 = 0, current: Int32 = 0, total: Int32 = 0
        glp_ios_tree_size(tree, &active, &current, &total)
        nodes = Int(total)
        let best = glp_ios_best_node(tree)
        if best != 0 { bound = glp_ios_node_bound(tree, best) }
        if glp_ios_reason(tree) == GLP_IHEUR, var x = incumbent {
            incumbent = nil
            _ = glp_ios_heur_sol(tree, &x)
        }
        if let nodeLimit, nodes >= nodeLimit, glp_ios_reason(tree) == GLP_ISELECT { glp_ios_terminate(tree) }
        if stopAtFirst, glp_ios_reason(tree) == GLP_IBINGO { glp_ios_terminate(tree) }
    }
}

import Foundation
import LabNumerics

// MARK: - Studies the paper does not do (SALE.md, "Studies the paper does not do")

extension SaleDataset {
    /// Every bidder's grade of its own plans shifted by `delta` (clipped to 0–5): more or less
    /// self-grading bias than the data were generated or logged with.
    public func shiftingSelfGrades(by delta: Double) -> SaleDataset {
        func shift(_ p: Plan?, _ a: Int) -> Plan? {
            guard var p else { return nil }
            p.grades[a] = min(5, max(0, p.grades[a] + delta))
            return p
        }
        var d = self
        for t in d.records.indices {
            for a in d.agents.indices {
                d.records[t].attempts[a].plan = shift(d.records[t].attempts[a].plan, a)
                if let r = d.records[t].refined[a] { d.records[t].refined[a]!.plan = shift(r.plan, a) }
            }
        }
        return d
    }
}

extension SaleRunner {
    /// A bidder padding (f > 1) or trimming (f < 1) its plan: length × f, and every juror's grade
    /// moves by `slope`·log₂ f (a longer plan reads as more thorough), clipped to 0–5.
    public static func padding(agent: Int, factor f: Double, slope: Double) -> PlanTransform {
        { a, p in
            guard a == agent else { return p }
            return Plan(length: p.length * f, entropy: p.entropy, grades: p.grades.map { min(5, max(0, $0 + slope * log2(f))) })
        }
    }

    /// The bidder reporting `grade` as its own grade of its plan.
    public static func selfGrade(agent: Int, grade: Double) -> PlanTransform {
        { a, p in
            guard a == agent else { return p }
            var q = p; q.grades[a] = grade; return q
        }
    }

    func runStudies(_ o: Int, split: (train: [Int], test: [Int]), rule: ScoringRule,
                    honest: [StrategyAuction.Outcome], noMemory: [StrategyAuction.Outcome]) throws -> [StudyRow] {
        var out: [StudyRow] = []
        func row(_ study: String, _ value: Double, _ outs: [StrategyAuction.Outcome], agent: String = "all", share of: Int? = nil) {
            let ex = outs.map(\.execution)
            out.append(StudyRow(study: study, value: value, agent: agent, order: o, metrics: MethodMetrics(ex),
                                agentShare: of.map { a in Double(ex.filter { $0.agent == a }.count) / Double(max(ex.count, 1)) }))
        }
        row("memory", 0, noMemory); row("memory", 1, honest)
        if spec.studies.selfVotes {
            let (r, _) = try fitRule(data, train: split.train, selfVotes: false)
            row("self_votes", 0, runSale(data, rule: r, memory: true, order: split).outcomes)
            row("self_votes", 1, honest)
        }
        for delta in spec.studies.selfBiasShift {
            let shifted = data.shiftingSelfGrades(by: delta)
            let (r, _) = try fitRule(shifted, train: split.train)
            row("self_bias_shift", delta, runSale(shifted, rule: r, memory: true, order: split).outcomes)
        }
        for a in data.agents.indices {
            for f in ([1.0] + spec.studies.padding).sorted() {
                let outs = f == 1 ? honest : runSale(data, rule: rule, memory: true, order: split,
                                                     deviation: Self.padding(agent: a, factor: f, slope: spec.studies.paddingGradeSlope)).outcomes
                row("padding", f, outs, agent: data.agents[a].name, share: a)
            }
        }
        return out
    }

    /// DSIC-style check of SALE's scoring (in the reporting style of `auctionlab dsic`): for each
    /// test task, holding the memory as it was in the honest run, does agent `a` gain by reporting
    /// another self-grade (0…5) or padding/trimming its plan (×0.25…×4)? Utility = the revenue it
    /// earns by winning, price × tokens executed (its price is public and fixed, so winning more
    /// work is what it wants). Regret = best misreport's utility − honest utility.
    func manipulation(_ o: Int, split: (train: [Int], test: [Int]), rule: ScoringRule, memory: AuctionMemory,
                      honest: [StrategyAuction.Outcome]) -> [ManipulationRow] {
        let auction = StrategyAuction(rule: rule, options: .init(memory: true, k: spec.memory.k, threshold: spec.memory.threshold), data: data)
        let kinds: [(String, [Double], (Int, Double) -> PlanTransform)] = [
            ("self_grade", [0, 1, 2, 3, 4, 5], { a, g in Self.selfGrade(agent: a, grade: g) }),
            ("plan_length", [0.25, 0.5, 0.75, 1.5, 2, 4], { a, f in Self.padding(agent: a, factor: f, slope: spec.studies.paddingGradeSlope) }),
        ]
        // regrets[kind][agent] per test task, worst[kind][agent]
        var regrets = kinds.map { _ in data.agents.map { _ in [Double]() } }
        var worst = kinds.map { _ in data.agents.map { _ -> (task: String, misreport: Double, gain: Double)? in nil } }
        for (i, k) in split.test.enumerated() {
            let r = data.records[k]
            let mem = memory.prefix(split.train.count + i)
            let refine = auction.canRefine(r, memory: mem)
            for (c, kind) in kinds.enumerated() {
                for a in data.agents.indices {
                    func utility(_ e: Execution) -> Double { e.agent == a ? e.cost : 0 }
                    let truthful = utility(honest[i].execution)
                    var best = truthful, arg = Double.nan
                    for m in kind.1 {
                        let u = utility(auction.auction(r, memory: mem, deviation: kind.2(a, m), refine: refine).execution)
                        if u > best { best = u; arg = m }
                    }
                    regrets[c][a].append(best - truthful)
                    if best - truthful > (worst[c][a]?.gain ?? 0) { worst[c][a] = (r.task.id, arg, best - truthful) }
                }
            }
        }
        var rows: [ManipulationRow] = []
        for (c, kind) in kinds.enumerated() {
            for a in data.agents.indices {
                rows.append(ManipulationRow(kind: kind.0, agent: data.agents[a].name, order: o, regrets: regrets[c][a], worst: worst[c][a]))
            }
        }
        return rows
    }
}

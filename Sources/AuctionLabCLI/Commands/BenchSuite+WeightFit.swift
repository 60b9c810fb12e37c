import ArgumentParser
import Foundation
import LabIO
import StrategyAuctions

/// `auctionlab bench weight-fit`: SALE's weight fit on each task order
/// of `Experiments/sale.yaml` or `--sale-spec` (its simulator, seed and training prefix) at several numbers of
/// training tasks: wall time per fit, tasks won, GLPK's proven bound and the gap, for the
/// heuristic + cut + warm-started GLPK fit (`WeightFit.solve` with its defaults) and for plain
/// GLPK on the big-M model where it finishes in reasonable time (up to `--glpk-max` tasks).
/// Not a timed test: the figures go to CHANGELOG.md and Results/sale/README.md.
extension BenchSuite {
    /// The fits on the task orders of the SALE spec at `path`, at `fitSizes` training tasks (empty:
    /// the defaults); plain GLPK too up to `glpkMax` tasks.
    func benchWeightFit(saleSpec path: String, fitSizes: [Int], glpkMax: Int) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("bench weight-fit needs \(path): run it from the repository root or pass --sale-spec")
        }
        let spec = try SaleSpec.load(path)
        let data = try Simulator(calibration: spec.simulator).dataset(seed: spec.seed)
        let runner = SaleRunner(spec: spec, data: data)
        let sizes = fitSizes.isEmpty ? (quick ? [40, 150] : [40, 60, 100, 150]) : fitSizes
        print("AuctionLab bench — SALE weight fit (\(path): seed \(spec.seed), \(spec.orders) orders, " +
              "train fraction \(spec.trainFraction)); one fit per row, wall seconds, one thread")
        var rows: [[String]] = []
        let clock = ContinuousClock()
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
        for o in 0..<spec.orders {
            let train = runner.split(o).train.map { data.records[$0] }
            let rule = ScoringRule(weights: [], costScale: ScoringRule.costScale(train, agents: data.agents))
            for n in sizes {
                let p = WeightFit.problem(train, agents: data.agents, rule: rule, limit: n)
                let t0 = clock.now
                let fit = try WeightFit.solve(p)
                let t = seconds(clock.now - t0)
                Progress.line(String(format: "weight fit: order %d, %d tasks: %d won, bound %d, %.2f s", o, p.tasks.count, fit.won, fit.upperBound, t))
                rows.append(["\(o)", "\(p.tasks.count)", "fit", "\(fit.heuristicWon)", "\(fit.won)", "\(fit.upperBound)", "\(fit.gap)",
                             fit.optimal ? "yes" : "no", "\(fit.unwinnable)", "\(fit.conflicts)", "\(fit.nodes)", String(format: "%.2f", t)])
                if p.tasks.count <= glpkMax {
                    let t1 = clock.now
                    let g = try WeightFit.solve(p, options: .glpkOnly)
                    let tg = seconds(clock.now - t1)
                    Progress.line(String(format: "weight fit: order %d, %d tasks, plain GLPK: %d won, %.2f s", o, p.tasks.count, g.won, tg))
                    rows.append(["\(o)", "\(p.tasks.count)", "glpk", "", "\(g.won)", "\(g.upperBound)", "\(g.gap)",
                                 g.optimal ? "yes" : "no", "", "", "\(g.nodes)", String(format: "%.2f", tg)])
                }
            }
        }
        printAligned(["order", "tasks", "method", "heuristic", "won", "bound", "gap", "optimal", "unwinnable", "conflicts", "nodes", "seconds"], rows)
    }
}

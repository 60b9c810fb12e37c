import ArgumentParser
import Foundation
import LabIO
import Priors

extension Side: ExpressibleByArgument {}

/// `auctionlab prior`: CDF, density, virtual cost and ironed virtual cost of a prior at given points.
struct PriorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prior",
        abstract: "Evaluate a prior: cdf, pdf, virtual cost φ and ironed φ̄ at points, and the ironed intervals.",
        discussion: """
        PRIOR is JSON, inline or @file:
          {"kind":"uniform","low":0.1,"high":1}
          {"kind":"normal","mean":1,"sd":0.3,"low":0.2,"high":2}          (truncated to [low, high])
          {"kind":"lognormal","mu":0,"sigma":0.5,"low":0.1,"high":5}      (truncated)
          {"kind":"beta","alpha":2,"beta":5,"low":0,"high":3}             (scaled to [low, high])
          {"kind":"exponential","rate":1.5,"low":0,"high":4}              (truncated)
          {"kind":"mixture","components":[{"weight":0.75,"prior":{"kind":"uniform","low":0,"high":3}},
                                          {"weight":0.25,"prior":{"kind":"uniform","low":3,"high":8}}]}
          {"kind":"empirical","samples":[0.4,0.5,0.5,0.9,1.3]}            (piecewise-linear CDF)

        Cost side (procurement, default): φ(c) = c + F(c)/f(c). Value side: φ(v) = v − (1−F(v))/f(v).
        The ironed φ̄ is the derivative of the lower convex (cost) or upper concave (value) \
        envelope of R(q) = q·F⁻¹(q), with R's jumps: across a zero-density gap F⁻¹ jumps, and \
        the envelope's chord over that jump pools the types beyond the gap even where φ itself \
        is monotone (0.5·U[0,2.4] + 0.5·U[5.6,8]: φ̄ = 13.6 on [2.4, 8]). φ̄ is exactly constant \
        on each ironed interval; a point inside a gap gets the value at the gap's top.

        Examples:
          auctionlab prior '{"kind":"uniform","low":0.1,"high":1}' --at 0.1,0.5,1
          auctionlab prior @bimodal.json --side value --format json
        """)

    @Argument(help: "Prior JSON, or @path to a JSON file.") var prior: String
    @Option(help: "cost (procurement) or value (selling).") var side: Side = .cost
    @Option(help: "Comma-separated points (default: 11 evenly spaced over the support).") var at: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let text: String
        if prior.hasPrefix("@") {
            let path = String(prior.dropFirst())
            text = try readInputText(path, what: "prior file")
        } else { text = prior }
        try checkDuplicateKeys(text, file: prior.hasPrefix("@") ? String(prior.dropFirst()) : "prior")
        let curve = try VirtualCost(spec: PriorSpec.parse(json: text), side: side)
        let lo = curve.support.lowerBound, hi = curve.support.upperBound
        var points: [Double]
        if let at {
            points = []
            for (k, raw) in at.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let s = raw.trimmingCharacters(in: .whitespaces)
                guard let x = Double(s), x.isFinite else { throw ValidationError("--at[\(k)] = \"\(s)\" is not a finite number") }
                guard curve.support.contains(x) else {
                    throw FieldError(field: "--at[\(k)]", reason: "= \(x) is outside the prior's support [\(lo), \(hi)]")
                }
                points.append(x)
            }
        } else {
            points = (0...10).map { lo + (hi - lo) * Double($0) / 10 }
        }
        // φ at a zero-density edge where it has a finite limit (a Beta with α > 1 at `low`) is
        // printed as that limit, not as ∞ / JSON null (`Prior.virtualLimit`).
        let rows = points.map { x in (x, curve.prior.cdf(x), curve.prior.pdf(x), curve.prior.virtualLimit(x, side: side), curve.ironed(x)) }
        switch try output.resolved(.table, supported: [.table, .json, .csv]) {
        case .json, .jsonl:
            func num(_ v: Double) -> Any { v.isFinite ? v : NSNull() }
            let obj: [String: Any] = [
                "points": rows.map { ["x": num($0.0), "cdf": num($0.1), "pdf": num($0.2), "virtual": num($0.3), "ironed": num($0.4)] },
                "ironed_intervals": curve.intervals.map { [$0.low, $0.high] },
            ]
            let data = try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        case .csv:
            print("x,cdf,pdf,virtual,ironed")
            for r in rows { print([r.0, r.1, r.2, r.3, r.4].map { String(format: "%.17g", $0) }.joined(separator: ",")) }
        case .table:
            printAligned(["x", "cdf", "pdf", "virtual", "ironed"], rows.map { [fmt($0.0), fmt($0.1), fmt($0.2), fmt($0.3), fmt($0.4)] })
            print("")
            if curve.intervals.isEmpty { print("ironed intervals: none (R(q) is already convex, so φ̄ = φ)") }
            for iv in curve.intervals { print("ironed interval [\(fmt(iv.low)), \(fmt(iv.high))] → φ̄ = \(String(format: "%.12g", iv.value))") }
        }
    }
}

import Foundation
import Testing
import TestSupport

@Suite("auctionlab calibrate")
struct CalibrateTests {
    @Test("a bad target is refused naming the field, with a non-zero exit and no output folder")
    func badTarget() throws {
        let tmp = try scratch("calib-cli")
        defer { try? FileManager.default.removeItem(at: tmp) }
        var text = try String(contentsOf: CLI.root.appendingPathComponent("Experiments/targets/star-table1.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "myopic: {mean: 2.10, std: 0.25}", with: "myopic: {mean: 2.10, std: -0.25}")
        let bad = tmp.appendingPathComponent("bad.yaml")
        try text.write(to: bad, atomically: true, encoding: .utf8)
        let out = tmp.appendingPathComponent("out")
        let r = try CLI.run(["calibrate", "Experiments/calibration.yaml", "--target", bad.path, "--trials", "2", "--out", out.path])
        #expect(r.status != 0)
        #expect(r.err.contains("cells.S3.myopic.std"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    @Test("an unknown switch, and a free switch without bounds, are refused naming them", arguments: [
        ("payment_scale,wobble", "wobble"), ("payment_scale,kappa,,beta", "empty name"),
    ])
    func badFree(free: String, detail: String) throws {
        let tmp = try scratch("calib-cli")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try CLI.run(["calibrate", "Experiments/calibration.yaml", "--free", free, "--trials", "2", "--out", tmp.appendingPathComponent("o").path])
        #expect(r.status != 0)
        #expect(r.err.contains(detail), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: tmp.appendingPathComponent("o").path))
    }

    @Test("a free switch without bounds is refused naming the missing bounds entry")
    func freeWithoutBounds() throws {
        let tmp = try scratch("calib-cli")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let text = try String(contentsOf: CLI.root.appendingPathComponent("Experiments/calibration.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "  beta: [0, 3]", with: "")
        let spec = tmp.appendingPathComponent("cal.yaml")
        try text.write(to: spec, atomically: true, encoding: .utf8)
        let r = try CLI.run(["calibrate", spec.path, "--trials", "2", "--out", tmp.appendingPathComponent("o").path])
        #expect(r.status != 0)
        #expect(r.err.contains("free[2]") && r.err.contains("bounds.beta"), "\(r.err)")
    }

    @Test("the same seed gives byte-identical outputs with --threads 1 and --threads 2", .tags(.slow), .fullLaneOnly)
    func threadInvariance() throws {
        let tmp = try scratch("calib-cli")
        defer { try? FileManager.default.removeItem(at: tmp) }
        var outs: [URL] = []
        for threads in ["1", "2"] {
            let out = tmp.appendingPathComponent("t\(threads)")
            let r = try CLI.run(["calibrate", "Experiments/calibration.yaml", "--free", "payment_scale,scarcity_low,baseline_cap",
                                 "--trials", "3", "--seed", "7", "--threads", threads, "--out", out.path])
            #expect(r.status == 0, "\(r.err)")
            outs.append(out)
        }
        for f in ["fit.csv", "residuals.csv", "effects.csv", "table.md", "calibrated-market.yaml"] {
            let a = try Data(contentsOf: outs[0].appendingPathComponent(f)), b = try Data(contentsOf: outs[1].appendingPathComponent(f))
            #expect(a == b, "\(f) differs between thread counts")
        }
        let residuals = try String(contentsOf: outs[0].appendingPathComponent("residuals.csv"), encoding: .utf8)
        let lines = residuals.split(separator: "\n")
        // 12 means + 8 savings + 12 stds, one header; no NaN/inf anywhere.
        #expect(lines.count == 1 + 12 + 8 + 12)
        #expect(!residuals.contains("nan") && !residuals.contains("inf"))
        #expect(try String(contentsOf: outs[0].appendingPathComponent("table.md"), encoding: .utf8).contains("--free payment_scale,scarcity_low,baseline_cap --trials 3 --seed 7"))
    }
}

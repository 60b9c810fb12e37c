import Testing
import LabNumerics

@Suite("LabNumerics: Nelder–Mead through GSL multimin")
struct MultiminTests {
    @Test("a shifted quadratic's minimiser is found to the tolerance; its value is the known minimum")
    func quadratic() throws {
        // f(x, y) = 3(x − 1.5)² + (y + 2)² + 0.5, minimum 0.5 at (1.5, −2). The simplex cannot
        // shrink below ≈ √ε·scale ≈ 3e-8 here (f is flat to rounding there), so the tolerance is 1e-6.
        let r = try Multimin.nelderMead({ 3 * ($0[0] - 1.5) * ($0[0] - 1.5) + ($0[1] + 2) * ($0[1] + 2) + 0.5 },
                                        start: [0, 0], steps: [1, 1], sizeTolerance: 1e-6, maxIterations: 2000)
        #expect(r.converged)
        #expect(abs(r.x[0] - 1.5) < 1e-5 && abs(r.x[1] + 2) < 1e-5)
        #expect(abs(r.value - 0.5) < 1e-9)
        #expect(r.evaluations > r.iterations)
    }

    @Test("Rosenbrock's valley: the simplex reaches (1, 1)")
    func rosenbrock() throws {
        let f: ([Double]) -> Double = { 100 * ($0[1] - $0[0] * $0[0]) * ($0[1] - $0[0] * $0[0]) + (1 - $0[0]) * (1 - $0[0]) }
        let r = try Multimin.nelderMead(f, start: [-1.2, 1], steps: [0.5, 0.5], sizeTolerance: 1e-7, maxIterations: 5000)
        #expect(abs(r.x[0] - 1) < 1e-4 && abs(r.x[1] - 1) < 1e-4)
    }

    @Test("the same objective and start give the same evaluations and point twice")
    func deterministic() throws {
        let f: ([Double]) -> Double = { x in x.enumerated().reduce(0) { $0 + Double($1.offset + 1) * abs($1.element - 0.3) } }
        let a = try Multimin.nelderMead(f, start: [1, 1, 1], steps: [0.2, 0.2, 0.2])
        let b = try Multimin.nelderMead(f, start: [1, 1, 1], steps: [0.2, 0.2, 0.2])
        #expect(a == b)
    }

    @Test("a non-finite objective and malformed steps are refused, not aborted on")
    func refusals() {
        #expect(throws: NumericsError.self) { try Multimin.nelderMead({ $0[0] > 0.5 ? .nan : $0[0] * $0[0] }, start: [0], steps: [1]) }
        #expect(throws: NumericsError.self) { try Multimin.nelderMead({ $0[0] }, start: [0, 0], steps: [1]) }
        #expect(throws: NumericsError.self) { try Multimin.nelderMead({ $0[0] }, start: [0], steps: [0]) }
    }
}

import Foundation
import LabIO

/// The `auctionlab sale` experiment spec (`Experiments/sale.yaml`):
///
///     name: sale
///     seed: 2026
///     orders: 5                  # random task orders (memory makes order matter)
///     train_fraction: 0.2        # prefix on which weights are fitted and routers trained
///     fit_tasks: 150             # at most this many prefix tasks in the weight MIP
///     trace: path/to/trace.csv   # optional: replay logged outcomes instead of simulating
///     simulator: {self_bias: 0.5, refine_gain: 0.25}   # Calibration overrides
///     memory: {k: 5, threshold: 0.8}
///     routers: {knn_k: 10, tolerance: 0.05, mf_rank: 4, verifier_accuracy: 0.9}
///     studies: {self_bias_shift: [0, 1, 2], padding: [0.5, 2], padding_grade_slope: 0.3,
///               self_votes: true, manipulation: true}
///     calibrate: [share-32b=0.3, budget=0.008]   # optional threshold-calibration targets
public struct SaleSpec: Codable, Sendable, WritesResults {
    /// Experiment name; the default output folder is `Results/NAME`.
    public var name: String
    /// Root seed of every random stream (task orders, simulator, routers); same seed, same bytes.
    public var seed: UInt64
    /// Number of random task orders (1…``maxOrders``); memory makes the order matter.
    public var orders: Int = 5
    /// Fraction of each order, in (0, 1), used as the training prefix (weights fitted, routers
    /// trained); the rest is the test suffix every method is scored on.
    public var trainFraction: Double = 0.2
    /// Training tasks the weight MIP uses (the first ones of the prefix that someone solved).
    public var fitTasks = 150
    /// Path of a trace CSV to replay instead of simulating (see `TraceFormat`); nil = simulate.
    public var trace: String?
    /// Simulator calibration (overrides of ``Calibration``'s defaults); unused when replaying a trace.
    public var simulator: Calibration = .init()
    /// Memory retrieval settings (SALE §3.4).
    public var memory: MemorySpec = .init()
    /// Baseline router settings.
    public var routers: RouterSpec = .init()
    /// Which robustness studies to run, and their grids.
    public var studies: StudySpec = .init()
    /// Output folder; nil = `Results/NAME` (the CLI's `--out` overrides both).
    public var output: String?
    /// Threshold-calibration targets (`share-AGENT=x` or `budget=x`), see `ThresholdTarget`.
    public var calibrate: [String] = []
    /// `calibrate`, parsed (`parse` has checked the syntax).
    public var calibrationTargets: [ThresholdTarget] {
        calibrate.enumerated().compactMap { try? ThresholdTarget.parse($0.element, field: "calibrate[\($0.offset)]") }
    }

    /// Memory retrieval (SALE §3.4): the `k` most similar past tasks whose cosine similarity is at
    /// least `threshold` are the examples a losing bidder refines its plan with.
    public struct MemorySpec: Codable, Sendable {
        /// Number of past tasks retrieved (> 0, ≤ 100,000).
        public var k = 5
        /// Minimum cosine similarity of a retrieved task, in [-1, 1].
        public var threshold = 0.8
        /// The defaults: `k` = 5, `threshold` = 0.8.
        public init() {}
        /// Decodes `memory:`; missing keys keep their defaults.
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            k = try c.decodeIfPresent(Int.self, forKey: .k) ?? k
            threshold = try c.decodeIfPresent(Double.self, forKey: .threshold) ?? threshold
        }
    }
    /// Baseline routers (`routers:`): kNN, matrix factorisation, and the cascade's verifier.
    public struct RouterSpec: Codable, Sendable {
        /// Neighbours of the kNN router (`knn_k`, > 0).
        public var knnK = 10
        /// Tolerance of the predictive routers, in success probability (≥ 0): the cheapest agent whose
        /// predicted success is within it of the best prediction is chosen.
        public var tolerance = 0.05
        /// Rank of the matrix-factorisation predictor (`mf_rank`, 1…1,000).
        public var mfRank = 4
        /// Probability that the cascade's verifier reads an attempt's outcome correctly.
        public var verifierAccuracy = 0.9
        enum CodingKeys: String, CodingKey { case knnK = "knn_k", tolerance, mfRank = "mf_rank", verifierAccuracy = "verifier_accuracy" }
        /// The defaults: `knn_k` 10, `tolerance` 0.05, `mf_rank` 4, `verifier_accuracy` 0.9.
        public init() {}
        /// Decodes `routers:`; missing keys keep their defaults.
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            knnK = try c.decodeIfPresent(Int.self, forKey: .knnK) ?? knnK
            tolerance = try c.decodeIfPresent(Double.self, forKey: .tolerance) ?? tolerance
            mfRank = try c.decodeIfPresent(Int.self, forKey: .mfRank) ?? mfRank
            verifierAccuracy = try c.decodeIfPresent(Double.self, forKey: .verifierAccuracy) ?? verifierAccuracy
        }
    }
    /// Robustness studies (`studies:`): each re-runs SALE with one thing changed.
    public struct StudySpec: Codable, Sendable {
        /// Shifts added to every self-grade (grade points on the 0…5 scale); the weights are refitted
        /// on each shifted dataset.
        public var selfBiasShift: [Double] = [-0.5, 0, 1, 2]
        /// Plan-length factors (> 0) a single agent pads or trims its plans by, one run per agent and factor.
        public var padding: [Double] = [0.5, 2]
        /// Grade change per doubling of plan length when padding (`padding_grade_slope`): grades move
    /// by slope·log₂ factor, clipped to 0…5.
        public var paddingGradeSlope = 0.3
        /// Whether to run the study that refits without self-votes (the bidder's own grade replaced).
        public var selfVotes = true
        /// Whether to run the manipulation check (per agent, best misreport of self-grade or plan length).
        public var manipulation = true
        enum CodingKeys: String, CodingKey {
            case selfBiasShift = "self_bias_shift", padding, paddingGradeSlope = "padding_grade_slope", selfVotes = "self_votes", manipulation
        }
        /// The defaults: shifts [-0.5, 0, 1, 2], padding [0.5, 2], slope 0.3, both switches on.
        public init() {}
        /// Decodes `studies:`; missing keys keep their defaults.
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            selfBiasShift = try c.decodeIfPresent([Double].self, forKey: .selfBiasShift) ?? selfBiasShift
            padding = try c.decodeIfPresent([Double].self, forKey: .padding) ?? padding
            paddingGradeSlope = try c.decodeIfPresent(Double.self, forKey: .paddingGradeSlope) ?? paddingGradeSlope
            selfVotes = try c.decodeIfPresent(Bool.self, forKey: .selfVotes) ?? selfVotes
            manipulation = try c.decodeIfPresent(Bool.self, forKey: .manipulation) ?? manipulation
        }
    }

    enum CodingKeys: String, CodingKey {
        case name, seed, orders, trainFraction = "train_fraction", fitTasks = "fit_tasks", trace, simulator, memory, routers, studies, output, calibrate
    }

    /// A spec with the given name and seed and every other field at its default.
    public init(name: String, seed: UInt64) { self.name = name; self.seed = seed }

    /// Decodes the YAML keys (snake_case); only `name` and `seed` are required. Validation is
    /// in ``parse(_:file:)``.
    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        seed = try c.decode(UInt64.self, forKey: .seed)
        orders = try c.decodeIfPresent(Int.self, forKey: .orders) ?? orders
        trainFraction = try c.decodeIfPresent(Double.self, forKey: .trainFraction) ?? trainFraction
        fitTasks = try c.decodeIfPresent(Int.self, forKey: .fitTasks) ?? fitTasks
        trace = try c.decodeIfPresent(String.self, forKey: .trace)
        simulator = try c.decodeIfPresent(Calibration.self, forKey: .simulator) ?? simulator
        memory = try c.decodeIfPresent(MemorySpec.self, forKey: .memory) ?? memory
        routers = try c.decodeIfPresent(RouterSpec.self, forKey: .routers) ?? routers
        studies = try c.decodeIfPresent(StudySpec.self, forKey: .studies) ?? studies
        output = try c.decodeIfPresent(String.self, forKey: .output)
        calibrate = try c.decodeIfPresent([String].self, forKey: .calibrate) ?? []
    }

    /// Reads and validates the spec at `path`.
    /// - Throws: `FieldError` naming the file and field when the file cannot be read, is empty, or
    ///   any field is invalid (see ``parse(_:file:)``).
    public static func load(_ path: String) throws -> SaleSpec {
        let text: String
        do { text = try readInputText(path, what: "SALE spec") } catch let e as InputFileError {
            throw FieldError(file: path, field: "(document)", reason: e.reason == "is empty" ? "is empty" : "cannot be read: \(e.reason)")
        }
        return try parse(text, file: path)
    }

    /// Parses and validates; every error names the file and the field.
    public static func parse(_ text: String, file: String) throws -> SaleSpec {
        let s = try decodeYAML(SaleSpec.self, from: text, file: file)
        func bad(_ field: String, _ reason: String) -> FieldError { FieldError(file: file, field: field, reason: reason) }
        guard s.orders > 0 else { throw bad("orders", "must be positive (got \(s.orders))") }
        guard s.trainFraction > 0, s.trainFraction < 1 else { throw bad("train_fraction", "must be in (0, 1) (got \(s.trainFraction))") }
        guard s.fitTasks > 0 else { throw bad("fit_tasks", "must be positive") }
        guard s.memory.k > 0 else { throw bad("memory.k", "must be positive") }
        guard (-1...1).contains(s.memory.threshold) else { throw bad("memory.threshold", "must be a cosine similarity in [-1, 1]") }
        guard s.routers.knnK > 0 else { throw bad("routers.knn_k", "must be positive") }
        guard s.routers.tolerance >= 0 else { throw bad("routers.tolerance", "must be non-negative") }
        guard s.routers.mfRank > 0 else { throw bad("routers.mf_rank", "must be positive") }
        guard (0...1).contains(s.routers.verifierAccuracy) else { throw bad("routers.verifier_accuracy", "must be a probability in [0, 1]") }
        for (i, t) in s.calibrate.enumerated() {
            do { _ = try ThresholdTarget.parse(t, field: "calibrate[\(i)]") } catch let e as SaleError { throw bad("calibrate[\(i)]", e.description) }
        }
        guard s.studies.padding.allSatisfy({ $0 > 0 }) else { throw bad("studies.padding", "factors must be positive") }
        // Every number finite (YAML's .nan / .inf decode as doubles), checked field by field.
        for (field, part) in [("simulator", s.simulator as any Encodable), ("studies", s.studies), ("memory", s.memory), ("routers", s.routers)] {
            if let path = nonFinitePath(part) { throw bad("\(field).\(path)", "must be a finite number") }
        }
        for (field, value, limit) in [("orders", s.orders, maxOrders), ("fit_tasks", s.fitTasks, 100_000), ("memory.k", s.memory.k, 100_000),
                                      ("routers.knn_k", s.routers.knnK, 100_000), ("routers.mf_rank", s.routers.mfRank, 1_000),
                                      ("simulator.tasks", s.simulator.tasks, 1_000_000), ("simulator.feature_dim", s.simulator.featureDim, 10_000)]
        where value > limit {
            throw bad(field, "must be at most \(limit) (got \(value))")
        }
        if let b = s.simulator.validate(agents: SaleAgent.paper.count).first { throw bad("simulator.\(b.field)", b.reason) }
        let c = s.simulator
        for (field, value, ok, rule) in [
            ("token_spread", c.tokenSpread, c.tokenSpread >= 0, "must be ≥ 0"),
            ("failure_token_factor", c.failureTokenFactor, c.failureTokenFactor > 0, "must be positive"),
            ("plan_length", c.planLength, c.planLength > 0, "must be positive"),
            ("feature_noise", c.featureNoise, c.featureNoise >= 0, "must be ≥ 0"),
        ] where !ok {
            throw bad("simulator.\(field)", "\(rule) (got \(value))")
        }
        return s
    }

    /// Largest `orders` (spec or `--orders`).
    public static let maxOrders = 10_000

    /// The coding path (snake_case keys, `[i]` indices) of the first NaN or infinite number
    /// in `value`, or nil when all are finite.
    static func nonFinitePath(_ value: any Encodable) -> String? {
        do { _ = try JSONEncoder().encode(value); return nil } catch let EncodingError.invalidValue(_, ctx) {
            var path = ""
            for key in ctx.codingPath {
                if let i = key.intValue { path += "[\(i)]" } else { path += (path.isEmpty ? "" : ".") + key.stringValue }
            }
            return path.isEmpty ? "(value)" : path
        } catch { return nil }
    }
}

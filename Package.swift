// swift-tools-version:6.0
// AuctionLab — a mechanism-design research testbed (STAR and SALE papers).
// Modules in data-flow order (prior → virtual cost → allocation → payment → outcome → metric → CSV row):
//   LabNumerics (GSL, GLPK) · LabIO (CSV, YAML, atomic files, FieldError) → Priors (priors, virtual costs, ironing)
//   → Workflows (graphs, instances) → Allocation (exact solvers) → Payments (thresholds)
//   → Mechanisms (STAR and baselines) → Truthfulness (DSIC harness) · Equilibrium (Bayes–Nash)
//   → Experiments (specs, markets, topologies, the papers' numbers) → Sweeps (sweep engine: sharded,
//   resumable runs, row files, merge, reports) → Studies (DSIC sweeps, Myerson, decomposition, calibration)
//   → Cluster (Slurm scripts) → AuctionLabCLI.
//   StrategyAuctions (SALE) stands beside them on LabNumerics and LabIO; FuzzHarness feeds the fuzzer.
// Scripts/check-deps checks that every target declares exactly the local modules it imports.
import PackageDescription

let package = Package(
    name: "AuctionLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "auctionlab", targets: ["AuctionLabCLI"]),
        .library(name: "AuctionLab", targets: ["Priors", "Workflows", "Allocation", "Payments",
                                                "Mechanisms", "Truthfulness", "Experiments", "Sweeps", "Studies", "StrategyAuctions", "LabIO",
                                                "Equilibrium"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        // `swift package generate-documentation` (Scripts/docs); a plugin, nothing is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
        // Heap: the k-way merge of shard files and Kahn's topological order (issue 17).
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // C shims: a module map and an umbrella header, nothing else.
        .systemLibrary(name: "CGSL", path: "Sources/CGSL", pkgConfig: "gsl",
                       providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "CGLPK", path: "Sources/CGLPK",
                       providers: [.apt(["libglpk-dev"])]),
        // Swift wrappers over GSL and GLPK: no C type escapes this module.
        .target(name: "LabNumerics", dependencies: ["CGSL", "CGLPK"]),
        // Shared file formats: CSV text, number formatting, YAML decoding that names fields.
        .target(name: "LabIO", dependencies: [.product(name: "Yams", package: "Yams"),
                                              .product(name: "OrderedCollections", package: "swift-collections"),
                                              .product(name: "CSV", package: "CSV.swift")]),
        .target(name: "Priors", dependencies: ["LabNumerics", "LabIO"]),
        .target(name: "Workflows", dependencies: ["Priors", "LabIO", .product(name: "HeapModule", package: "swift-collections")]),
        .target(name: "Allocation", dependencies: ["Workflows", "LabNumerics", .product(name: "HeapModule", package: "swift-collections")]),
        .target(name: "Payments", dependencies: ["Allocation", "Workflows", "Priors"]),
        .target(name: "Mechanisms", dependencies: ["Payments", "Allocation", "Workflows", "LabIO"]),
        .target(name: "Truthfulness", dependencies: ["Mechanisms", "Workflows", "Priors", "LabNumerics"]),
        // Specs, the paper's market, topologies and the papers' numbers: what an experiment is.
        .target(name: "Experiments", dependencies: ["Mechanisms", "Equilibrium", "Workflows", "Priors", "LabNumerics", "LabIO",
                                                     .product(name: "Yams", package: "Yams")]),
        // The sweep engine: work items, row files (journals, shards), the streaming merge and reports.
        .target(name: "Sweeps", dependencies: ["Experiments", "Mechanisms", "Equilibrium", "Workflows", "Priors", "LabNumerics", "LabIO",
                                                .product(name: "HeapModule", package: "swift-collections")]),
        // Studies built on specs and sweeps: DSIC sweeps, the Myerson study, decomposition, calibration.
        .target(name: "Studies", dependencies: ["Sweeps", "Experiments", "Mechanisms", "Allocation", "Truthfulness", "Equilibrium", "Workflows",
                                                 "Priors", "LabNumerics", "LabIO"]),
        // Slurm and GNU parallel scripts for sharded sweeps: shell text, not science (kept out of Sweeps).
        .target(name: "Cluster", dependencies: ["Sweeps", "LabIO"]),
        // Approximate Bayes–Nash equilibria of any mechanism, each with its ε-certificate (issue 14).
        .target(name: "Equilibrium", dependencies: ["Mechanisms", "Workflows", "Priors", "LabNumerics", "LabIO"]),
        .target(name: "StrategyAuctions", dependencies: ["LabNumerics", "LabIO",
                                                         .product(name: "CSV", package: "CSV.swift")]),
        // The input contract of issue 18, shared by the fuzz targets and the corpus-replay test.
        .target(name: "FuzzHarness", dependencies: ["Experiments", "Sweeps", "Studies", "Mechanisms", "Priors", "Workflows",
                                                    "StrategyAuctions"]),
        // libFuzzer entry (built by Scripts/fuzz with -sanitize=fuzzer -D FUZZING) or corpus replay.
        .executableTarget(name: "AuctionLabFuzz", dependencies: ["FuzzHarness"], swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "AuctionLabCLI", dependencies: [
            "LabNumerics", "Priors", "Workflows", "Allocation", "Payments", "Mechanisms", "Truthfulness", "Experiments", "Sweeps", "Studies",
            "StrategyAuctions", "LabIO", "Equilibrium", "Cluster",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Shared by the test targets: scratch folders, the repository's path, the test lane.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LabIOTests", dependencies: ["LabIO", "TestSupport"]),
        .testTarget(name: "PriorsTests", dependencies: ["TestSupport", "Priors", "LabNumerics", "LabIO"]),
        .testTarget(name: "WorkflowsTests", dependencies: ["Workflows", "Priors", "LabNumerics", "LabIO"]),
        .testTarget(name: "PaymentsTests", dependencies: ["Payments", "Allocation"]),
        .testTarget(name: "AllocationTests", dependencies: ["TestSupport", "Allocation", "Workflows", "Priors", "LabNumerics"]),
        .testTarget(name: "MechanismsTests", dependencies: ["TestSupport", "Mechanisms", "Payments", "Allocation", "Workflows", "Priors", "LabNumerics", "LabIO"]),
        .testTarget(name: "TruthfulnessTests", dependencies: ["TestSupport", "Truthfulness", "Mechanisms", "Workflows", "Priors", "LabNumerics"]),
        .testTarget(name: "LabNumericsTests", dependencies: ["LabNumerics"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Sweeps", "LabNumerics"]),
        .testTarget(name: "SweepsTests", dependencies: ["Sweeps", "Experiments", "Equilibrium", "Mechanisms", "Workflows", "LabIO", "LabNumerics", "TestSupport"]),
        .testTarget(name: "StudiesTests", dependencies: ["Studies", "Sweeps", "Experiments", "Workflows", "LabIO", "TestSupport"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster", "Sweeps", "LabIO", "TestSupport"]),
        .testTarget(name: "StrategyAuctionsTests", dependencies: ["TestSupport", "StrategyAuctions", "LabNumerics", "LabIO"]),
        .testTarget(name: "EquilibriumTests", dependencies: ["TestSupport", "Equilibrium", "Mechanisms", "Workflows", "Priors", "LabNumerics", "LabIO"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "AuctionLabCLI"]),
        .testTarget(name: "FuzzHarnessTests", dependencies: ["FuzzHarness", "Experiments", "Sweeps", "TestSupport", "LabIO"], exclude: ["Corpus", "Campaign"]),
        // The DocC tutorials' code: compiled and run here, and checked verbatim against the articles.
        .testTarget(name: "TutorialTests", dependencies: ["Mechanisms", "Payments", "Priors", "Truthfulness", "Workflows",
                                                         "Experiments", "Sweeps", "StrategyAuctions", "LabIO"]),
    ]
)

import Foundation

/// Scratch folders for tests: one helper instead of ad-hoc temporary paths. Every folder is
/// unique (process id and a UUID), because the cases of a parameterised test run in parallel in
/// one process and a shared folder lets one case's clean-up delete another's files.
public enum Scratch {
    /// A fresh, empty folder `auctionlab-NAME-PID-UUID` in the temporary directory.
    public static func folder(_ name: String) throws -> URL {
        let dir = path(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A unique path `auctionlab-NAME-PID-UUID` in the temporary directory, not created.
    public static func path(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-\(name)-\(getpid())-\(UUID().uuidString)")
    }

    /// Removes `url` and everything under it (no error if it is gone).
    public static func remove(_ url: URL) { try? FileManager.default.removeItem(at: url) }
}

/// The repository the tests run from, for its committed fixtures and specs.
public enum Repository {
    /// The repository's root folder (two levels above this file).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `relative` under the repository's root.
    public static func path(_ relative: String) -> URL { root.appendingPathComponent(relative) }
}

/// Which lane of the suite runs: `Scripts/test --fast` sets `AUCTIONLAB_TEST_LANE=fast`, and the
/// slow suites (tagged `.slow`) are disabled there; `.ci/run` runs the full lane.
public enum TestLane {
    /// True in the fast lane.
    public static let fast = ProcessInfo.processInfo.environment["AUCTIONLAB_TEST_LANE"] == "fast"
}

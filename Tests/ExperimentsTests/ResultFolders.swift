import Foundation

/// Scratch output folders of the sweep tests, and the three result files they compare byte for byte.
enum ResultFolders {
    /// `auctionlab-NAME-PID` in the temporary directory, removed if a previous run left it.
    static func scratch(_ name: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("auctionlab-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        return dir
    }

    /// trials.csv, summary.csv and table.md of a result folder, as text.
    static func files(_ dir: URL) throws -> [String] {
        try ["trials.csv", "summary.csv", "table.md"].map { try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }
    }
}

import Foundation
import TestSupport

/// Scratch output folders of the sweep tests, and the three result files they compare byte for byte.
enum ResultFolders {
    /// `auctionlab-NAME-PID-UUID` in the temporary directory (a fresh folder for every call).
    static func scratch(_ name: String) -> URL {
        Scratch.path(name)
    }

    /// trials.csv, summary.csv and table.md of a result folder, as text.
    static func files(_ dir: URL) throws -> [String] {
        try ["trials.csv", "summary.csv", "table.md"].map { try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) }
    }
}

import Foundation

/// Progress, notes and summaries on standard error, in one style for every command (results go
/// to files or standard output, never here).
///
/// Counting progress (`update(done, total)`): on a terminal one line rewritten in place,
/// `LABEL done/total, Ns elapsed, ETA Ms`; when standard error is a file or a pipe (a batch
/// job's log), the same text as a line at each twentieth of the work and at the end, so logs
/// show progress without flooding. A `terminalOnly` reporter stays silent when piped.
final class Progress: @unchecked Sendable {
    /// What is being counted, e.g. `sweep table1`.
    let label: String
    private let start = Date()
    private let terminal = isatty(2) != 0
    private let terminalOnly: Bool
    private let lock = NSLock()
    private var lastStep = -1
    private var open = false

    /// A reporter for `label`; `terminalOnly` silences it when standard error is not a terminal.
    init(_ label: String, terminalOnly: Bool = false) {
        self.label = label
        self.terminalOnly = terminalOnly
    }

    /// Seconds since the reporter was made.
    var elapsed: Double { Date().timeIntervalSince(start) }

    /// `done` of `total` finished; `detail` is appended (e.g. an iteration's ε).
    func update(_ done: Int, _ total: Int, detail: String = "") {
        lock.lock(); defer { lock.unlock() }
        let t = elapsed
        let eta = done > 0 ? t / Double(done) * Double(max(total - done, 0)) : 0
        var text = String(format: "%@ %d/%d, %.0fs elapsed", label, done, total, t)
        if done < total { text += String(format: ", ETA %.0fs", eta) }
        if !detail.isEmpty { text += ", " + detail }
        if terminal {
            Self.write("\r\u{1B}[K" + text)
            open = true
        } else if !terminalOnly {
            let step = total > 0 ? 20 * done / total : 20
            guard step != lastStep || done == total else { return }
            lastStep = step
            Self.write(text + "\n")
        }
    }

    /// Ends the in-place line (if any) and writes `summary` as its own line.
    func finish(_ summary: String) {
        lock.lock(); defer { lock.unlock() }
        if open { Self.write("\n"); open = false }
        Self.write(summary + "\n")
    }

    /// Ends the in-place line (if any) without a summary.
    func close() {
        lock.lock(); defer { lock.unlock() }
        if open { Self.write("\n"); open = false }
    }

    /// `note: TEXT` on its own line.
    static func note(_ text: String) { write("note: \(text)\n") }

    /// `text` on its own line.
    static func line(_ text: String) { write(text + "\n") }

    private static func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}

import Foundation

/// POSIX shell quoting for generated scripts and printed commands: every value that comes
/// from a user (paths, names, the command line) goes through ``quote(_:)`` — one helper, so
/// no value can reach a shell unquoted.
public enum Shell {
    /// The word unchanged when it is made of safe characters, else single-quoted with
    /// `'\''` for each embedded quote. Inside single quotes the shell expands nothing
    /// (`$()`, backticks, `$VAR`, newlines and double quotes stay literal).
    public static func quote(_ word: String) -> String {
        // No `=`: an unquoted `a=b` in command position is an assignment, not a word.
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@%+,")
        if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A path argument: a leading `-` would be read as an option by the program, so such a
    /// relative path is written `./-…` (the same file).
    public static func path(_ p: String) -> String { p.hasPrefix("-") ? "./" + p : p }

    /// ``quote(_:)`` of ``path(_:)``.
    public static func pathWord(_ p: String) -> String { quote(path(p)) }

    /// Text for a `#` comment line: control characters (a newline would end the comment
    /// and start a command) are shown escaped, e.g. `\n`.
    public static func comment(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.properties.generalCategory == .control || u.properties.generalCategory == .lineSeparator
                    || u.properties.generalCategory == .paragraphSeparator {
                    out += "\\u{\(String(u.value, radix: 16))}"
                } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}

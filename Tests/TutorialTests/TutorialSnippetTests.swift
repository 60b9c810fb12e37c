import Foundation
import Testing

/// The DocC tutorials (articles under `Sources/*/*.docc/`) show code that this test target
/// compiles and runs. An article marks a code block with `<!-- tutorial: NAME -->` on the line
/// before its opening fence; a test file marks the same code with `// tutorial:begin NAME` and
/// `// tutorial:end NAME`. Both must be identical after removing their common indentation, and
/// every marked block must exist on both sides, so a tutorial cannot show code that does not build.
@Suite("DocC tutorials show exactly the code the tests compile")
struct TutorialSnippetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func files(under dir: String, suffix: String) -> [URL] {
        let base = root.appendingPathComponent(dir)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { $0.path.hasSuffix(suffix) }.sorted { $0.path < $1.path }
    }

    /// Lines with their common leading whitespace removed, trailing whitespace trimmed.
    static func dedented(_ lines: [Substring]) -> String {
        let indents = lines.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { $0.prefix { $0 == " " }.count }
        let cut = indents.min() ?? 0
        return lines.map { l in
            let t = l.count >= cut ? String(l.dropFirst(cut)) : String(l)
            return t.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }

    /// NAME → code, from the test sources.
    static func compiledSnippets() throws -> [String: String] {
        var out: [String: String] = [:]
        for url in files(under: "Tests/TutorialTests", suffix: ".swift") {
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            var name: String?, body: [Substring] = []
            for l in lines {
                let t = l.trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("// tutorial:begin ") { name = String(t.dropFirst("// tutorial:begin ".count)); body = [] }
                else if t.hasPrefix("// tutorial:end ") {
                    if let n = name { out[n] = dedented(body) }
                    name = nil
                } else if name != nil { body.append(l) }
            }
        }
        return out
    }

    /// NAME → code, from the DocC articles.
    static func documentedSnippets() throws -> [(name: String, code: String, file: String)] {
        var out: [(String, String, String)] = []
        for url in files(under: "Sources", suffix: ".md") where url.path.contains(".docc/") {
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            var k = 0
            while k < lines.count {
                let t = lines[k].trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("<!-- tutorial: "), t.hasSuffix("-->"), k + 1 < lines.count, lines[k + 1].hasPrefix("```") {
                    let name = t.dropFirst("<!-- tutorial: ".count).dropLast(3).trimmingCharacters(in: .whitespaces)
                    var body: [Substring] = []
                    k += 2
                    while k < lines.count, !lines[k].hasPrefix("```") { body.append(lines[k]); k += 1 }
                    out.append((name, dedented(body), url.lastPathComponent))
                }
                k += 1
            }
        }
        return out
    }

    @Test("every marked block of every article equals the compiled code, and every compiled block is shown")
    func snippetsMatch() throws {
        let compiled = try Self.compiledSnippets()
        let documented = try Self.documentedSnippets()
        #expect(compiled.count >= 6, "expected the three tutorials' snippets, found \(compiled.keys.sorted())")
        for d in documented {
            let code = try #require(compiled[d.name], "\(d.file) shows snippet \"\(d.name)\", which no test compiles")
            #expect(d.code == code, "\(d.file): snippet \"\(d.name)\" differs from Tests/TutorialTests")
        }
        let shown = Set(documented.map(\.name))
        for name in compiled.keys.sorted() { #expect(shown.contains(name), "compiled snippet \"\(name)\" is in no article") }
        let articles = Set(documented.map(\.file))
        for t in ["AddAMechanism.md", "AddATopology.md", "ReplayATrace.md"] { #expect(articles.contains(t), "tutorial \(t) missing") }
    }
}

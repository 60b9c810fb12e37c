import Foundation
import Testing

/// `auctionlab dot` (issue 29): the DOT text parsed back names every node and edge of each
/// topology, and a coloured drawing gives every node an agent whose tier can serve it.
@Suite("auctionlab dot")
struct DotTests {
    /// Node ids and (from, to) edges of a DOT text, read with a parser of its own (quoted ids only).
    static func parse(_ dot: String) -> (nodes: [String: String], edges: Set<[String]>) {
        var nodes: [String: String] = [:], edges = Set<[String]>()
        let quoted = #/"((?:[^"\\]|\\.)*)"/#
        for raw in dot.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let ids = line.matches(of: quoted).map { String($0.output.1) }
            if line.contains(" -> ") {
                edges.insert([ids[0], ids[1]])
            } else if line.hasPrefix("\""), line.contains("[label="), !ids[0].hasPrefix("legend ") {
                nodes[ids[0]] = line
            }
        }
        return (nodes, edges)
    }

    static func topology(_ name: String) throws -> (nodes: [[String: Any]], edges: [[String: Any]]) {
        let data = try Data(contentsOf: CLI.root.appendingPathComponent("Experiments/topologies/\(name).json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (try #require(json["nodes"] as? [[String: Any]]), try #require(json["edges"] as? [[String: Any]]))
    }

    @Test("every node and edge of S1, S1x5, S2, S3, S4 appears exactly once, nothing else", arguments: ["S1", "S1x5", "S2", "S3", "S4"])
    func topologies(name: String) throws {
        let r = try CLI.run(["dot", "Experiments/topologies/\(name).json"])
        #expect(r.status == 0, "\(r.err)")
        let (nodes, edges) = Self.parse(r.out)
        let topo = try Self.topology(name)
        #expect(Set(nodes.keys) == Set(topo.nodes.map { $0["id"] as! String }))
        #expect(edges == Set(topo.edges.map { [$0["from"] as! String, $0["to"] as! String] }))
        #expect(r.out.components(separatedBy: " -> ").count - 1 == topo.edges.count)
        for n in topo.nodes {
            let line = try #require(nodes[n["id"] as! String])
            #expect(line.contains("d=\(n["difficulty"] as! Int)"), "\(line)")
        }
    }

    @Test("coloured by STAR's allocation on a trial: every node names an agent whose tier is at least its difficulty")
    func coloured() throws {
        let r = try CLI.run(["dot", "Experiments/topologies/S4.json", "--mechanism", "star", "--trial", "3", "--seed", "2026"])
        #expect(r.status == 0, "\(r.err)")
        let (nodes, _) = Self.parse(r.out)
        #expect(nodes.count == 12)
        for (id, line) in nodes {
            let d = try #require(line.firstMatch(of: #/d=(\d+)/#).flatMap { Int($0.output.1) })
            let t = try #require(line.firstMatch(of: #/\(tier (\d+)\)/#).flatMap { Int($0.output.1) }, "\(id) has no agent: \(line)")
            #expect(t >= d, "\(id): tier \(t) < difficulty \(d)")
            #expect(line.contains("fillcolor="), "\(line)")
        }
        let bad = try CLI.run(["dot", "Experiments/topologies/S4.json", "--mechanism", "nope"])
        #expect(bad.status != 0 && bad.err.contains("unknown --mechanism"))
    }

    @Test("STAR and Myopic side by side: one panel each, every node and edge of S2 in both")
    func sideBySide() throws {
        let r = try CLI.run(["dot", "Experiments/topologies/S2.json", "--mechanism", "star,myopic", "--trial", "0"])
        #expect(r.status == 0, "\(r.err)")
        let (nodes, edges) = Self.parse(r.out)
        let topo = try Self.topology("S2")
        let ids = topo.nodes.map { $0["id"] as! String }
        let pairs = topo.edges.map { [$0["from"] as! String, $0["to"] as! String] }
        for m in ["star", "myopic"] {
            #expect(Set(nodes.keys.filter { $0.hasPrefix("\(m)/") }) == Set(ids.map { "\(m)/\($0)" }))
            #expect(Set(edges.filter { $0[0].hasPrefix("\(m)/") }) == Set(pairs.map { $0.map { "\(m)/\($0)" } }))
        }
        #expect(nodes.count == 2 * ids.count && edges.count == 2 * pairs.count)
    }
}

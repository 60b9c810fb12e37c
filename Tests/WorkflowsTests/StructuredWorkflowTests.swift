import Foundation
import LabIO
import LabNumerics
import Testing
@testable import Workflows

/// The structure generator (issue 30): over many seeds and parameter settings, the draw is a
/// valid DAG with exactly the requested structure, each property recomputed here from the
/// nodes and edges alone (Kahn's algorithm, union–find, longest path, counts).
@Suite("Workflows: the structure generator draws valid DAGs of the requested structure")
struct StructuredWorkflowTests {
    /// Longest path (edges) by DP over a topological order, or nil when the graph has a directed cycle.
    static func longestPath(_ v: Int, _ edges: [(Int, Int)]) -> Int? {
        var indeg = [Int](repeating: 0, count: v), out = [[Int]](repeating: [], count: v)
        for (a, b) in edges { indeg[b] += 1; out[a].append(b) }
        var ready = (0..<v).filter { indeg[$0] == 0 }, dist = [Int](repeating: 0, count: v), seen = 0
        while let a = ready.popLast() {
            seen += 1
            for b in out[a] { dist[b] = max(dist[b], dist[a] + 1); indeg[b] -= 1; if indeg[b] == 0 { ready.append(b) } }
        }
        return seen == v ? dist.max() : nil
    }

    /// Connected components of the undirected skeleton.
    static func components(_ v: Int, _ edges: [(Int, Int)]) -> Int {
        var parent = Array(0..<v)
        func find(_ x: Int) -> Int { var x = x; while parent[x] != x { x = parent[x] }; return x }
        for (a, b) in edges { parent[find(a)] = find(b) }
        return Set((0..<v).map(find)).count
    }

    @Test("200 draws: valid DAG, node and edge counts, cyclomatic number W − 1 + C + F, longest path, broadcast out-degree F, hard count, edge tokens")
    func structureProperties() throws {
        var g = SplitMix64(seed: 0x57C0)
        for n in 0..<200 {
            let width = Int.random(in: 1...6, using: &g), depth = Int.random(in: 1...6, using: &g)
            let s = WorkflowStructure(fanOut: Int.random(in: 0...(width * depth), using: &g), depth: depth, width: width,
                                      cycles: Int.random(in: 0...5, using: &g), hardShare: Double(Int.random(in: 0...10, using: &g)) / 10,
                                      edgeTokens: Double(Int.random(in: 1...100, using: &g)) * 1000)
            var draw = SplitMix64(seed: UInt64(n))
            let (nodes, edgeSpecs) = try s.generate(using: &draw)
            let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.id, $0) })
            let edges = edgeSpecs.map { (index[$0.from]!, index[$0.to]!) }
            let label = "#\(n) \(s)"
            // Valid: the model accepts it (ids, tokens, no self-loop or duplicate), and it is acyclic.
            _ = try Workflow(nodes: nodes, edges: edgeSpecs)
            let longest = try #require(Self.longestPath(nodes.count, edges), "directed cycle in \(label)")
            let F = s.fanOut, W = s.width, D = s.depth, C = s.cycles
            #expect(nodes.count == 2 + W * D + 2 * C + (F > 0 ? 1 : 0), "nodes \(label)")
            #expect(edges.count == W * D + W + 3 * C + (F > 0 ? 1 + F : 0), "edges \(label)")
            #expect(Self.components(nodes.count, edges) == 1, "disconnected \(label)")
            #expect(edges.count - nodes.count + 1 == W - 1 + C + F, "cyclomatic number \(label)")
            #expect(longest == D + 1 + 2 * C + (F > 0 ? 1 : 0), "longest path \(longest) in \(label)")
            let outDegree = Dictionary(grouping: edges, by: \.0).mapValues(\.count)
            if F > 0 { #expect(outDegree[index["ctx"]!] == F, "broadcast out-degree \(label)") }
            #expect(outDegree[index["plan"]!] == W + (F > 0 ? 1 : 0), "plan feeds the W lanes \(label)")
            let hard = nodes.filter { $0.difficulty == 3 }.count
            #expect(hard == Int((s.hardShare * Double(nodes.count)).rounded()), "hard nodes \(hard) in \(label)")
            #expect(nodes.allSatisfy { (1...3).contains($0.difficulty) })
            for e in edgeSpecs {
                let t = try #require(e.tokens)
                #expect(t >= 0.5 * s.edgeTokens - 50 && t <= 1.5 * s.edgeTokens + 50, "edge tokens \(t) in \(label)")
            }
            // A node's input holds at least what its edges carry (the rest is its fresh prompt, 1k–10k).
            for (k, node) in nodes.enumerated() {
                let carried = edgeSpecs.enumerated().filter { edges[$0.offset].1 == k }.reduce(0.0) { $0 + ($1.element.tokens ?? 0) }
                #expect(node.inputTokens - carried >= 1000 && node.inputTokens - carried <= 10_000, "fresh input of \(node.id) in \(label)")
            }
            // Same seed, same draw.
            var again = SplitMix64(seed: UInt64(n))
            let (nodes2, edges2) = try s.generate(using: &again)
            #expect(nodes2 == nodes && edges2 == edgeSpecs, "not deterministic \(label)")
        }
    }

    @Test("out-of-range parameters are refused naming the parameter", arguments: [
        ("fan_out", WorkflowStructure(fanOut: 10, depth: 3, width: 3, cycles: 1, hardShare: 0.4, edgeTokens: 1000)),
        ("depth", WorkflowStructure(fanOut: 0, depth: 0, width: 3, cycles: 1, hardShare: 0.4, edgeTokens: 1000)),
        ("width", WorkflowStructure(fanOut: 0, depth: 2, width: 0, cycles: 1, hardShare: 0.4, edgeTokens: 1000)),
        ("cycles", WorkflowStructure(fanOut: 0, depth: 2, width: 2, cycles: -1, hardShare: 0.4, edgeTokens: 1000)),
        ("hard_share", WorkflowStructure(fanOut: 0, depth: 2, width: 2, cycles: 1, hardShare: 1.5, edgeTokens: 1000)),
        ("edge_tokens", WorkflowStructure(fanOut: 0, depth: 2, width: 2, cycles: 1, hardShare: 0.4, edgeTokens: 0)),
    ])
    func refusals(_ field: String, _ s: WorkflowStructure) {
        var g = SplitMix64(seed: 1)
        #expect { _ = try s.generate(using: &g) } throws: { ($0 as? FieldError)?.field == field }
    }
}

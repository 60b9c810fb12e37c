import Foundation
import Workflows

/// A topology file of `Experiments/topologies/` (nodes and edges of the instance format).
public struct Topology: Codable, Sendable, Hashable {
    public var name: String
    public var source: String?
    public var nodes: [NodeSpec]
    public var edges: [EdgeSpec]

    public init(name: String, source: String? = nil, nodes: [NodeSpec], edges: [EdgeSpec]) {
        self.name = name; self.source = source; self.nodes = nodes; self.edges = edges
    }

    public static func load(name: String, directory: String) throws -> Topology {
        let path = (directory as NSString).appendingPathComponent("\(name).json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExperimentError.io("unknown topology \"\(name)\": no file \(path)")
        }
        do { return try JSONDecoder().decode(Topology.self, from: data) } catch {
            throw ExperimentError.malformed(file: path, field: "(document)", reason: "is not a valid topology: \(error)")
        }
    }
}

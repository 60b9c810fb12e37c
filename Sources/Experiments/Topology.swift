import Foundation
import LabIO
import Workflows

/// A topology file of `Experiments/topologies/` (nodes and edges of the instance format).
public struct Topology: Codable, Sendable, Hashable {
    /// Topology name (the file is `NAME.json`).
    public var name: String
    /// Where the topology comes from (free text), if stated.
    public var source: String?
    /// The workflow's nodes (difficulty and token counts).
    public var nodes: [NodeSpec]
    /// The workflow's edges (a DAG over the node ids).
    public var edges: [EdgeSpec]

    /// A topology from its name, optional source, nodes and edges.
    public init(name: String, source: String? = nil, nodes: [NodeSpec], edges: [EdgeSpec]) {
        self.name = name; self.source = source; self.nodes = nodes; self.edges = edges
    }

    /// Reads `directory/NAME.json`.
    /// - Throws: `ExperimentError.io` when the file does not exist, a `FieldError` when it is not a
    ///   valid topology.
    public static func load(name: String, directory: String) throws -> Topology {
        let path = (directory as NSString).appendingPathComponent("\(name).json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ExperimentError.io("unknown topology \"\(name)\": no file \(path)")
        }
        try checkDuplicateKeys(String(decoding: data, as: UTF8.self), file: path)
        do { return try JSONDecoder().decode(Topology.self, from: data) } catch {
            throw FieldError(file: path, field: "(document)", reason: "is not a valid topology: \(error)")
        }
    }
}

import ArgumentParser

/// The `auctionlab` command: one subcommand per file in `Commands/`.
@main
struct AuctionLab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auctionlab",
        abstract: "A mechanism-design testbed for routing work among LLM agents (STAR and SALE papers).",
        discussion: """
        Data flow: prior → virtual cost → allocation → payment → outcome → metric → CSV row.

        Start with:
          auctionlab prior '{"kind":"uniform","low":0.1,"high":1}' --at 0.2,0.5,0.9
          auctionlab solve Experiments/instances/s4.json --mechanism star
          auctionlab bench
        Each subcommand's --help has examples.
        """,
        version: "0.1.0",
        subcommands: [PriorCommand.self, Solve.self, Export.self, DSIC.self, EquilibriumCommand.self, Sweep.self, Merge.self, Bench.self, Sale.self, Dot.self, Decompose.self, StructureCommand.self,
                      Calibrate.self]
    )
}

import ArgumentParser
struct PriorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prior", abstract: "Evaluate a prior (work in progress).")
    func run() throws { throw ValidationError("prior is not implemented yet") }
}

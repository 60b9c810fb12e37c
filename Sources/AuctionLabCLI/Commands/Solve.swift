import ArgumentParser
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "solve", abstract: "Run one mechanism on one workflow instance (work in progress).")
    func run() throws { throw ValidationError("solve is not implemented yet") }
}

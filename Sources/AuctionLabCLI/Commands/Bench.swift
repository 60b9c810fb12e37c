import ArgumentParser
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Time the allocation solvers and payments (work in progress).")
    func run() throws { throw ValidationError("bench is not implemented yet") }
}

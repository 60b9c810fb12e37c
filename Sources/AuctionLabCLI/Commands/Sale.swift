import ArgumentParser
// Placeholder until the SALE module lands (owned by the SALE work).
struct Sale: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sale", abstract: "SALE strategy auctions vs routers (work in progress).")
    func run() throws { throw ValidationError("sale is not implemented yet") }
}

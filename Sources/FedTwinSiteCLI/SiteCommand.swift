import ArgumentParser

@main
struct SiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedtwin-site",
        abstract: "Run a FedTwin site worker (work in progress)."
    )

    func run() async throws {
        throw ValidationError("the site runtime is being built")
    }
}

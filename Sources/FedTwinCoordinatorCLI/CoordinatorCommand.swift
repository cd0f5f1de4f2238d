import ArgumentParser

@main
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedtwin-coordinator",
        abstract: "Run the FedTwin coordinator (work in progress)."
    )

    func run() async throws {
        throw ValidationError("the coordinator runtime is being built")
    }
}

import ArgumentParser
import FedTwinWire

/// `fedtwin`: everything besides running a coordinator or a site — keys, inspecting
/// frames, protocol vectors and benchmarks.
@main
struct FedTwin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedtwin",
        abstract: "FedTwin tools: keys, stores, models, release packages, frame inspection, protocol vectors, benchmarks.",
        version: FedTwinVersion.number,
        subcommands: [Keygen.self, StoreCommand.self, DataCommand.self, FrameCommand.self, Vectors.self, Bench.self, Enroll.self, Revoke.self, ModelsCommand.self, PlanCommand.self, PersonCommand.self, PackageCommand.self, ReportCommand.self, AuditCommand.self, MonitorCommand.self, ExperimentCommand.self, TwinCommand.self, StatusCommand.self]
    )
}

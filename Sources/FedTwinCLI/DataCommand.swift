import ArgumentParser
import Foundation
import TwinKit

/// `fedtwin data`: site data tools.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Simulate site batch data and check a site's data config.",
        subcommands: [Simulate.self, DataCheck.self]
    )

    struct Simulate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Simulate a site's fed-batch records from its profile (penicillin-type or mammalian): writes batches.csv and data.json.",
            discussion: "Examples: fedtwin data simulate --site sites/site-a --out data/site-a; fedtwin data simulate --site sites/cho-a --out data/cho-a"
        )

        @Option(help: "Site profile directory (holds profile.json) or the profile file itself.") var site: String
        @Option(help: "Output directory.") var out: String
        @Option(help: "Fraction of batches held out for evaluation.") var heldOut: Double = 0.25

        func run() throws {
            let url = site.hasSuffix(".json") ? URL(fileURLWithPath: site) : URL(fileURLWithPath: site).appendingPathComponent("profile.json")
            let profile: SimulatorProfile
            do {
                profile = try SimulatorProfile.load(from: url)
            } catch let error as InputFileError where error.problem == .missing {
                throw CLIError("\(error). The example sites' profiles are in the FedTwin checkout: pass --site PATH-TO-CHECKOUT/sites/site-a")
            } catch {
                throw CLIError("cannot load the site profile: \(error)")
            }
            let records: [BatchRecord]
            do {
                records = try profile.writeSimulated(to: URL(fileURLWithPath: out), heldOutFraction: heldOut)
            } catch {
                throw CLIError("cannot simulate \(profile.name): \(error)")
            }
            print("simulated \(records.count) batches for \(profile.name): \(out)/batches.csv, \(out)/data.json")
        }
    }
}

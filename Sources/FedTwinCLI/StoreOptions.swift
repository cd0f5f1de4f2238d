import ArgumentParser
import FedTwinRegistry

/// `--store DIR`, shared by every command that reads or writes a registry. The commands
/// work on the directory alone: the coordinator may be stopped.
struct StoreOptions: ParsableArguments {
    @Option(help: "Model registry directory (created by `fedtwin store init`).")
    var store: String

    /// Opens the store, with errors that name the file.
    func open() throws -> Registry {
        try withStoreErrors { try Registry.open(path: store) }
    }

    /// Runs `body`, turning a `RegistryError` (whose path is relative to the store) into a
    /// message that names the file as the user can find it.
    func withStoreErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as RegistryError {
            throw CLIError(describe(error))
        }
    }

    /// "STORE/versions/000003.json: problem", or the path as is when it is already absolute
    /// or under the store.
    func describe(_ error: RegistryError) -> String {
        if error.path.hasPrefix("/") || error.path.hasPrefix(store) { return error.description }
        return "\(store)/\(error.path): \(error.problem)"
    }
}

import ArgumentParser
import FedTwinRegistry
import FedTwinWire
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a person's passphrase comes from: never the command line (it would be in the
/// shell history and the process list). In order: `--passphrase-file`, the environment
/// variable `FEDTWIN_PASSPHRASE`, a prompt without echo when stdin is a terminal.
struct PassphraseOptions: ParsableArguments {
    @Option(help: "File whose first line is the passphrase (else $FEDTWIN_PASSPHRASE, else a prompt on a terminal).")
    var passphraseFile: String?

    static let environmentVariable = "FEDTWIN_PASSPHRASE"

    func read(prompt: String) throws -> String {
        if let passphraseFile {
            guard let data = FileManager.default.contents(atPath: passphraseFile) else { throw CLIError("\(passphraseFile): cannot read the passphrase file") }
            let line = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !line.isEmpty else { throw CLIError("\(passphraseFile): the first line (the passphrase) is empty") }
            return line
        }
        if let value = ProcessInfo.processInfo.environment[Self.environmentVariable], !value.isEmpty { return value }
        guard isatty(0) == 1, let text = getpass(prompt) else {
            throw CLIError("no passphrase: give --passphrase-file, set \(Self.environmentVariable), or run on a terminal to be asked")
        }
        return String(cString: text)
    }
}

/// `--as PERSON.key` plus the passphrase and the lock-out policy: what a signing command needs.
struct SignerOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: "The person's encrypted key file (from `fedtwin person enroll`).")
    var personKey: String

    @OptionGroup var passphrase: PassphraseOptions

    @Option(help: "Wrong passphrases within the lock-out time that lock the person's signing.")
    var lockoutFailures = SigningPolicy().maxFailures

    @Option(help: "Lock-out time in seconds.")
    var lockoutSeconds = SigningPolicy().lockoutSeconds

    var policy: SigningPolicy { SigningPolicy(maxFailures: lockoutFailures, lockoutSeconds: lockoutSeconds) }

    func credential() throws -> PersonCredential {
        let text: String
        do {
            text = try EncryptedKeyFile.readText(at: personKey)
        } catch let error as KeyFileError {
            throw CLIError(error.description)
        }
        let person = EncryptedKeyFile.person(inText: text) ?? "?"
        return PersonCredential(keyText: text, passphrase: try passphrase.read(prompt: "passphrase for \(person) (\(personKey)): "))
    }
}

extension StoreOptions {
    /// Runs a signing operation, turning a refusal into a message with its code.
    func withSigningErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try withStoreErrors(body)
        } catch let error as LifecycleError {
            throw CLIError("refused (\(error.code.rawValue)): \(error.detail) — audited")
        }
    }
}

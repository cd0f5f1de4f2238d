import FedTwinAggregation
import FedTwinWire
import Foundation

/// A release a site fetched and keeps for offline use (`fedtwin-site fetch`): the package's
/// files, unchanged, in one directory per component and channel, with `fetched.json` — this
/// value — saying what the site required of it. Every use verifies the files again against
/// the same requirement, so a file changed on the site's disk after the fetch is refused
/// rather than used.
///
/// ```
/// RELEASES/COMPONENT/CHANNEL/fetched.json     this record
/// RELEASES/COMPONENT/CHANNEL/…                the release package, byte for byte
/// ```
public struct InstalledRelease: Sendable, Codable, Equatable {
    public var format: Int
    public var requirement: ReleaseRequirement
    public var version: Int
    public var versionID: String
    public var component: String
    /// Where the package was read from, as given to fetch.
    public var source: String
    /// UTC, ISO 8601.
    public var fetchedAt: String

    public static let recordName = "fetched.json"

    /// `RELEASES/COMPONENT/CHANNEL`, the component id kept to file-name characters.
    public static func directory(releases: String, component: String, channel: String) -> String {
        let safe = String(component.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
        return "\(releases)/\(safe)/\(channel)"
    }

    /// Verifies `package` against `requirement` and, only if every check passes, replaces
    /// `RELEASES/COMPONENT/CHANNEL` with it: written beside it first, then renamed into place
    /// (the previous release is removed after the rename). Returns the directory, the report
    /// and the release; on a failed check nothing is written and the release is nil.
    public static func install(_ package: ReleasePackage, requirement: ReleaseRequirement, releases: String, source: String,
                               now: Date = Date()) throws -> (directory: String, report: VerificationReport, release: VerifiedRelease?) {
        let (report, release) = package.verifyRelease(requirement)
        guard let release else { return ("", report, nil) }
        let directory = Self.directory(releases: releases, component: release.component.id, channel: requirement.channel)
        let record = InstalledRelease(format: 1, requirement: requirement, version: release.version, versionID: release.versionID,
                                      component: release.component.id, source: source, fetchedAt: Canonical.timestamp(now))
        let fm = FileManager.default
        let parent = (directory as NSString).deletingLastPathComponent
        let staging = "\(parent)/.fetch-\(requirement.channel)-\(getpid())"
        let previous = "\(parent)/.previous-\(requirement.channel)-\(getpid())"
        do {
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            try? fm.removeItem(atPath: staging)
            for (path, bytes) in package.files.sorted(by: { $0.key < $1.key }) {
                let target = "\(staging)/\(path)"
                try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try AtomicFile.write(bytes, to: target)
            }
            try AtomicFile.write(try Canonical.prettyEncoder.encode(record).bytes, to: "\(staging)/\(recordName)")
            if fm.fileExists(atPath: directory) { try fm.moveItem(atPath: directory, toPath: previous) }
            try fm.moveItem(atPath: staging, toPath: directory)
            try? fm.removeItem(atPath: previous)
        } catch let error as RegistryError {
            try? fm.removeItem(atPath: staging)
            throw error
        } catch {
            try? fm.removeItem(atPath: staging)
            throw RegistryError(path: directory, problem: "cannot install the release: \(error.localizedDescription)")
        }
        return (directory, report, release)
    }

    /// Opens a fetched release and verifies its files again against the requirement it was
    /// fetched under. Throws, naming the failed checks, if they no longer pass.
    public static func open(_ directory: String) throws -> (installed: InstalledRelease, release: VerifiedRelease, report: VerificationReport) {
        var files = try ReleasePackage.readDirectory(directory)
        guard let bytes = files.removeValue(forKey: recordName) else {
            throw RegistryError(path: "\(directory)/\(recordName)", problem: "missing: not a release fetched with `fedtwin-site fetch`")
        }
        let installed = try Registry(storage: InMemoryStorage()).decode(InstalledRelease.self, bytes, path: "\(directory)/\(recordName)")
        let (report, release) = ReleasePackage(files: files).verifyRelease(installed.requirement)
        guard let release else {
            let failed = report.failures.map { "\($0.subject): \($0.detail)" }.joined(separator: "; ")
            throw RegistryError(path: directory, problem: "the fetched release no longer verifies: \(failed)")
        }
        guard release.versionID == installed.versionID else {
            throw RegistryError(path: "\(directory)/\(recordName)", problem: "names version id \(installed.versionID.prefix(12)), the package holds \(release.versionID.prefix(12))")
        }
        return (installed, release, report)
    }
}

extension ReleasePackage {
    /// Every regular file under `root`, by path relative to it (hidden staging files of an
    /// interrupted fetch included, so they are named as added files rather than ignored).
    public static func readDirectory(_ root: String) throws -> [String: [UInt8]] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RegistryError(path: root, problem: "not a directory")
        }
        guard let paths = try? fm.subpathsOfDirectory(atPath: root) else { throw RegistryError(path: root, problem: "cannot list its files") }
        var files: [String: [UInt8]] = [:]
        for path in paths.sorted() {
            var dir: ObjCBool = false
            guard fm.fileExists(atPath: "\(root)/\(path)", isDirectory: &dir), !dir.boolValue else { continue }
            guard let data = fm.contents(atPath: "\(root)/\(path)") else { throw RegistryError(path: "\(root)/\(path)", problem: "cannot read it") }
            files[path] = [UInt8](data)
        }
        return files
    }
}

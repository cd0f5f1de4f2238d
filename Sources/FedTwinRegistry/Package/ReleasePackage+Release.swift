import FedTwinAggregation
import FedTwinWire

extension ReleasePackage {
    /// What a site runs before it uses a package's version (issue 14 §4): everything
    /// `verify(coordinator:)` checks, with the coordinator key pinned, and then that the
    /// version is released in the required channel — recomputed from the package's own
    /// signature records, and the current release of that channel when it was exported —,
    /// that every approval and release signature is by a pinned person's pinned key (when the
    /// site pins signers), and that the component is the one the site expects. Returns the
    /// report, and the release only when every check passed.
    public func verifyRelease(_ requirement: ReleaseRequirement) -> (report: VerificationReport, release: VerifiedRelease?) {
        var report = VerificationReport()
        do {
            try requirement.validate()
        } catch {
            report.fail("requirement", "\(error)")
            return (report, nil)
        }
        report = verify(coordinator: requirement.coordinatorFingerprint)
        guard let info = try? Registry(storage: InMemoryStorage()).decode(PackageInfo.self, files["package.json"] ?? [], path: "package.json") else {
            return (report, nil)
        }
        let registry = storeRegistry()
        let number = info.version
        var release: VerifiedRelease?
        report.check("release in \(requirement.channel)") {
            let version = try registry.version(number)
            let records = try registry.signatureRecords()
            let (replay, problems) = try registry.lifecycleReplay(records: records, contiguous: false)
            let state = replay.state(of: number)
            guard state == .released(channel: requirement.channel) else {
                throw RegistryError(path: "store/signatures", problem: "version \(number) is \(state) by its signature records, not released in \(requirement.channel)")
            }
            guard info.stateAtExport == state.description else {
                throw RegistryError(path: "package.json", problem: "version \(number) was \(info.stateAtExport) when exported, not the current release in \(requirement.channel)")
            }
            // The records the state rests on: approval and release of this version, each verified.
            let used = records.filter { $0.subject == .version && $0.number == number && ($0.meaning == .approved || $0.meaning == .released) }
            for record in used where problems.contains(where: { $0.0 == record }) {
                throw RegistryError(path: Self.storePrefix + Registry.signatureRecordPath(record.seq), problem: "does not verify")
            }
            var spec: ComponentSpec = version.manifest.component
            if let component = try? registry.decode(ComponentSpec.self, files["component.json"] ?? [], path: "component.json") { spec = component }
            let tensors = try SafeTensors.decode(files["parameters.safetensors"] ?? []).tensors
            release = VerifiedRelease(version: number, versionID: version.id, channel: requirement.channel, state: state, component: spec,
                                      specFile: files["component-spec.json"], parameters: tensors,
                                      signatures: used, signersPinned: !requirement.signers.isEmpty)
            return "version \(number) (\(version.id.prefix(12))) \(state)"
        }
        guard let found = release else { return (report, nil) }
        report.check("release signers") {
            var lines: [String] = []
            for record in found.signatures {
                let who = "\(record.meaning.rawValue) by \(record.printedName) (\(record.person), \(record.role)) at \(record.time), key \(record.fingerprint.short)"
                if !requirement.signers.isEmpty {
                    guard let pinned = requirement.signers[record.person] else {
                        throw RegistryError(path: Self.storePrefix + Registry.signatureRecordPath(record.seq), problem: "\(record.meaning.rawValue) by \(record.person), who is not among the signers the site pins (\(requirement.signers.keys.sorted().joined(separator: ", ")))")
                    }
                    guard record.fingerprint.hex.hasPrefix(pinned.lowercased()) else {
                        throw RegistryError(path: Self.storePrefix + Registry.signatureRecordPath(record.seq), problem: "\(record.meaning.rawValue) by \(record.person) with key \(record.fingerprint.short), not the pinned \(pinned)")
                    }
                }
                if let person = try registry.persons().first(where: { $0.name == record.person }), let revoked = person.revokedAt {
                    lines.append("\(who) (revoked since \(revoked))")
                } else {
                    lines.append(who)
                }
            }
            let trust = requirement.signers.isEmpty ? "keys as enrolled in the package (vouched for by the coordinator only; pin them with --signer NAME=FINGERPRINT)" : "pinned keys"
            return "\(lines.joined(separator: "; ")); \(trust)"
        }
        if let component = requirement.component {
            report.check("component") {
                guard found.component.id == component else {
                    throw RegistryError(path: "component.json", problem: "the release is a \(found.component.id) model, the site expects \(component)")
                }
                return component
            }
        }
        return (report, report.passed ? found : nil)
    }

    /// A registry over the package's `store/` files (read-only use).
    func storeRegistry() -> Registry {
        let storage = InMemoryStorage()
        for (path, bytes) in files where path.hasPrefix(Self.storePrefix) {
            try? storage.writeAtomically(bytes, to: String(path.dropFirst(Self.storePrefix.count)), durable: false)
        }
        return Registry(storage: storage)
    }
}

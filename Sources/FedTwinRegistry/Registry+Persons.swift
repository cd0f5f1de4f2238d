import FedTwinWire

/// Persons who sign (`persons/NAME.json`), enrolled and revoked by the coordinator like
/// sites, each audited.
extension Registry {
    static func personPath(_ name: String) -> String { "persons/\(name).json" }

    /// Every enrolled person, revoked ones included, by name.
    public func persons() throws -> [Person] {
        try storage.list("persons").filter { $0.hasSuffix(".json") }.sorted().map { name in
            let path = "persons/\(name)"
            let person = try decode(Person.self, try storage.read(path) ?? [], path: path)
            guard "\(person.name).json" == name else { throw RegistryError(path: path, problem: "holds the enrolment of \(person.name)") }
            return person
        }
    }

    public func person(named name: String) throws -> Person? {
        guard SiteName.problem(name) == nil, let bytes = try storage.read(Self.personPath(name)) else { return nil }
        return try decode(Person.self, bytes, path: Self.personPath(name))
    }

    /// Records a person's public key and roles. Refuses a name or key already enrolled
    /// (as a person or a site).
    @discardableResult
    public func enrollPerson(name: String, printedName: String, roles: [String], key: PublicKey, signer: SigningKey) throws -> Person {
        if let problem = SiteName.problem(name) {
            throw RegistryError(path: "persons/\(name.debugDescription.dropFirst().dropLast()).json", problem: "person name refused: \(problem)")
        }
        guard !printedName.isEmpty, !roles.isEmpty, roles.allSatisfy({ SiteName.problem($0) == nil }) else {
            throw RegistryError(path: Self.personPath(name), problem: "a person needs a printed name and at least one role (lower-case letters, digits, '-')")
        }
        return try storage.withWriteLock {
            try requireCoordinator(signer)
            _ = try lastAuditEntry()
            if try person(named: name) != nil { throw RegistryError(path: Self.personPath(name), problem: "person \(name) is already enrolled") }
            if let other = try persons().first(where: { $0.fingerprint == key.fingerprint }) {
                throw RegistryError(path: Self.personPath(other.name), problem: "key \(key.fingerprint.short) is already enrolled for \(other.name)")
            }
            if try enrolments().sites.contains(where: { $0.fingerprint == key.fingerprint }) {
                throw RegistryError(path: Self.personPath(name), problem: "key \(key.fingerprint.short) is a site's key")
            }
            let person = Person(name: name, printedName: printedName, roles: roles.sorted(), publicKey: Hex.encode(key.rawRepresentation),
                                fingerprint: key.fingerprint, enrolledAt: Canonical.now())
            try storage.writeAtomically(try Canonical.prettyEncoder.encode(person).bytes, to: Self.personPath(name))
            try appendAudit(event: .personEnrol, data: ["person": name, "roles": person.roles.joined(separator: ","), "fingerprint": key.fingerprint.hex],
                            signer: signer)
            return person
        }
    }

    /// Revokes a person: they cannot sign from now on; their earlier signatures still verify.
    public func revokePerson(name: String, signer: SigningKey) throws {
        try storage.withWriteLock {
            try requireCoordinator(signer)
            guard var person = try person(named: name) else { throw RegistryError(path: Self.personPath(name), problem: "no person named \(name) is enrolled") }
            guard !person.isRevoked else { throw RegistryError(path: Self.personPath(name), problem: "person \(name) is already revoked") }
            _ = try lastAuditEntry()
            person.revokedAt = Canonical.now()
            try storage.writeAtomically(try Canonical.prettyEncoder.encode(person).bytes, to: Self.personPath(name))
            try appendAudit(event: .personRevoke, data: ["person": name, "fingerprint": person.fingerprint.hex], signer: signer)
        }
    }
}

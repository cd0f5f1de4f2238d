/// Lock-out after repeated failed signing attempts (21 CFR 11.300(d)): `maxFailures`
/// wrong passphrases within `lockoutSeconds` lock that person's signing until the oldest
/// of them is `lockoutSeconds` old. Failures are counted from the audit log, so the lock
/// holds across processes. Defaults: 3 failures, 900 s.
public struct SigningPolicy: Sendable, Equatable {
    public var maxFailures: Int
    public var lockoutSeconds: Int

    public init(maxFailures: Int = 3, lockoutSeconds: Int = 900) {
        self.maxFailures = max(1, maxFailures)
        self.lockoutSeconds = max(0, lockoutSeconds)
    }
}

/// What a person presents to sign: the text of their encrypted key file and the
/// passphrase (never kept).
public struct PersonCredential: Sendable {
    public var keyText: String
    public var passphrase: String

    public init(keyText: String, passphrase: String) {
        self.keyText = keyText
        self.passphrase = passphrase
    }
}

/// What a signature is asked for.
public struct SignatureRequest: Sendable {
    public var meaning: SignatureRecord.Meaning
    public var subject: SignatureRecord.SubjectKind
    public var number: Int
    public var reason: String?
    public var channel: String?

    public init(meaning: SignatureRecord.Meaning, subject: SignatureRecord.SubjectKind = .version, number: Int, reason: String? = nil, channel: String? = nil) {
        self.meaning = meaning
        self.subject = subject
        self.number = number
        self.reason = reason
        self.channel = channel
    }
}

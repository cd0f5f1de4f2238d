import FedTwinWire
import Foundation
import FedTwinWire

/// A site worker's settings, as a JSON file the site's data scientist edits
/// (`fedtwin-site --config site.json`); flags override it.
public struct SiteConfiguration: Sendable, Codable, Equatable {
    /// Enrolled site name (for logs; the coordinator identifies the site by its key).
    public var name: String = "site"
    public var coordinatorHost: String = "127.0.0.1"
    public var coordinatorPort: Int = 7450
    /// Pinned coordinator key fingerprint (16 or 64 hex digits): any other key is refused.
    public var coordinatorFingerprint: String = ""
    /// The site's private key (PKCS#8 PEM, mode 0600).
    public var key: String = "site.key"
    /// The site's data config (`data.json`: CSV path, column mapping, split). Not needed
    /// for the `noop` component.
    public var data: String?
    /// Component to train; must match the coordinator's.
    public var component: String = "hybrid-bioreactor"
    /// Parameter count of the `noop` component (default 10,000); must match the store's
    /// (`fedtwin store init --params`). Refused for other components.
    public var params: Int?
    /// A component spec file (docs/twin.md, "Component spec"): the site trains the spec's
    /// hybrid (the spec's id is the component id), or with `component` =
    /// `feature-statistics` the spec's statistics round.
    public var componentSpec: String?

    /// The `component` argument to build from with ``componentSpec``: the default id is not
    /// an instruction when a spec file is given.
    public var componentArgument: String? {
        componentSpec != nil && component == SiteConfiguration.defaultComponent ? nil : component
    }
    static let defaultComponent = "hybrid-bioreactor"
    /// Append-only log of every frame this site sent (JSON lines with hashes); nil means
    /// `NAME-sent.log`, so sites started in one directory never share a log.
    public var log: String?

    /// The sent log's path actually used.
    public var logPath: String { log ?? "\(name)-sent.log" }
    /// Reconnect backoff: first wait and cap, in seconds (doubled each failure, ±50 % jitter).
    public var initialBackoffSeconds: Double = 0.5
    public var maxBackoffSeconds: Double = 30
    /// Exit once the coordinator says the federation is finished.
    public var exitWhenFinished: Bool = true
    /// Drop the connection when the coordinator sends nothing for this long.
    public var readTimeoutSeconds: Double = 30
    /// The site's TLS certificate; nil means the key's path with `.crt` (as `fedtwin keygen` writes it).
    public var certificate: String?
    /// Plain TCP instead of TLS 1.3 — local experiments only, loudly warned about.
    public var insecure: Bool = false
    /// Experiments and tests only: make this site a malicious-but-enrolled participant that
    /// transforms its honest delta before signing it (`scale:FACTOR`, `sign-flip[:FACTOR]`,
    /// `gaussian:SIGMA`; see `SiteAdversary`). Loudly warned about. Absent for a real site.
    public var adversary: String?

    /// The certificate path actually used.
    public var certificatePath: String {
        certificate ?? ((key as NSString).deletingPathExtension + ".crt")
    }

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, coordinatorHost, coordinatorPort, coordinatorFingerprint, key, data, component, componentSpec, params, log,
             initialBackoffSeconds, maxBackoffSeconds, exitWhenFinished, readTimeoutSeconds, certificate, insecure, adversary
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, against: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SiteConfiguration()
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? d.name
        coordinatorHost = try c.decodeIfPresent(String.self, forKey: .coordinatorHost) ?? d.coordinatorHost
        coordinatorPort = try c.decodeIfPresent(Int.self, forKey: .coordinatorPort) ?? d.coordinatorPort
        coordinatorFingerprint = try c.decodeIfPresent(String.self, forKey: .coordinatorFingerprint) ?? d.coordinatorFingerprint
        key = try c.decodeIfPresent(String.self, forKey: .key) ?? d.key
        data = try c.decodeIfPresent(String.self, forKey: .data)
        component = try c.decodeIfPresent(String.self, forKey: .component) ?? d.component
        componentSpec = try c.decodeIfPresent(String.self, forKey: .componentSpec)
        params = try c.decodeIfPresent(Int.self, forKey: .params)
        log = try c.decodeIfPresent(String.self, forKey: .log)
        initialBackoffSeconds = try c.decodeIfPresent(Double.self, forKey: .initialBackoffSeconds) ?? d.initialBackoffSeconds
        maxBackoffSeconds = try c.decodeIfPresent(Double.self, forKey: .maxBackoffSeconds) ?? d.maxBackoffSeconds
        exitWhenFinished = try c.decodeIfPresent(Bool.self, forKey: .exitWhenFinished) ?? d.exitWhenFinished
        readTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .readTimeoutSeconds) ?? d.readTimeoutSeconds
        certificate = try c.decodeIfPresent(String.self, forKey: .certificate)
        insecure = try c.decodeIfPresent(Bool.self, forKey: .insecure) ?? d.insecure
        adversary = try c.decodeIfPresent(String.self, forKey: .adversary)
    }

    /// Reads a config file; unknown keys are refused and errors name the file and key.
    public static func load(from path: String) throws -> SiteConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SiteError(.configuration(file: path, key: nil, problem: "cannot read the file"))
        }
        guard let object = try? JSONSerialization.jsonObject(with: data), object is [String: Any] else {
            throw SiteError(.configuration(file: path, key: nil, problem: "not a JSON object"))
        }
        do {
            try StrictJSON.checkKeys(data)
        } catch let error as DuplicateKeyError {
            throw SiteError(.configuration(file: path, key: error.path, problem: "\(error) (a key may appear once per object)"))
        }
        // Unknown keys are refused while decoding (`StrictKeys`), with their path.
        do {
            let config = try JSONDecoder().decode(SiteConfiguration.self, from: data)
            try config.validate(file: path)
            return config
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
                throw SiteError(.configuration(file: path, key: context.codingPath.map(\.stringValue).joined(separator: "."), problem: "expected \(type)"))
            case .dataCorrupted(let context):
                throw SiteError(.configuration(file: path, key: context.codingPath.map(\.stringValue).joined(separator: "."), problem: context.debugDescription))
            default:
                throw SiteError(.configuration(file: path, key: nil, problem: "\(error)"))
            }
        }
    }

    public func validate(file: String = "command line") throws {
        func require(_ ok: Bool, _ key: String, _ problem: String) throws {
            if !ok { throw SiteError(.configuration(file: file, key: key, problem: problem)) }
        }
        try require(SiteName.isValid(name), "name", SiteName.problem(name) ?? "")
        try require((1...65535).contains(coordinatorPort), "coordinatorPort", "must be 1…65535")
        let fp = coordinatorFingerprint.lowercased()
        try require(fp.count >= 16 && fp.count <= 64 && fp.allSatisfy(\.isHexDigit), "coordinatorFingerprint",
                    "must be the coordinator's fingerprint (16–64 hex digits, printed by `fedtwin keygen`)")
        try require(initialBackoffSeconds > 0 && maxBackoffSeconds >= initialBackoffSeconds, "maxBackoffSeconds", "backoff must be positive and max ≥ initial")
        try require(data != nil || component == "noop", "data", "a data config (data.json) is required for component \(component)")
        if let params {
            try require(component == "noop", "params", "only the noop component takes a parameter count; \(component) has its model's")
            try require(NoOpComponent.parameterCounts.contains(params), "params",
                        "\(params) parameters: the noop component takes \(NoOpComponent.parameterCounts.lowerBound)…\(NoOpComponent.parameterCounts.upperBound)")
        }
        _ = try parsedAdversary(file: file)
    }

    /// The parsed `adversary` (nil for an honest site); a bad spec names the key.
    public func parsedAdversary(file: String = "command line") throws -> SiteAdversary? {
        guard let adversary else { return nil }
        do {
            return try SiteAdversary(parsing: adversary)
        } catch {
            throw SiteError(.configuration(file: file, key: "adversary", problem: error.description))
        }
    }
}

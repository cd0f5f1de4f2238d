/// Site → coordinator, first frame of a connection: who the site is and what it speaks.
public struct Hello: Sendable, Equatable, Codable {
    /// Enrolled site name (e.g. "site-a").
    public var site: String
    /// Software name and version, e.g. "fedtwin 0.1.0".
    public var software: String
    /// Frame layout versions the site can speak.
    public var protocolVersions: [Int]
    /// Tensor encodings the site can decode (raw values of `TensorEncoding`).
    public var encodings: [String]
    /// Body compressions the site can inflate ("zlib").
    public var compression: [String]

    public init(site: String, software: String, protocolVersions: [Int] = [Int(Frame.version)],
                encodings: [String] = TensorEncoding.allCases.map(\.rawValue), compression: [String] = ["zlib"]) {
        self.site = site
        self.software = software
        self.protocolVersions = protocolVersions
        self.encodings = encodings
        self.compression = compression
    }
}

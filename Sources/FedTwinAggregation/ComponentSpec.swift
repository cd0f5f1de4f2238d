/// What the coordinator knows of a twin component: its id, parameter schema and how it
/// aggregates. Written into the store when it is initialised and into every manifest.
public struct ComponentSpec: Sendable, Codable, Hashable {
    /// E.g. "mlp-regression", "hybrid-bioreactor", "mspc-monitor".
    public var id: String
    public var schema: ParameterSchema
    public var aggregation: AggregationKind
    /// SHA-256 (hex) of the component spec file the component was built from (docs/twin.md,
    /// "Component spec"), for a declared hybrid and its statistics round; nil for built-in
    /// components. The file itself is an object of the store under this id, so a reviewer
    /// can read exactly which structure every version was trained with. Absent from JSON
    /// when nil, so stores written before it existed are byte-identical and still verify.
    public var specHash: String?

    public init(id: String, schema: ParameterSchema, aggregation: AggregationKind, specHash: String? = nil) {
        self.id = id
        self.schema = schema
        self.aggregation = aggregation
        self.specHash = specHash
    }
}

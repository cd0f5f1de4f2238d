/// What the coordinator knows of a twin component: its id, parameter schema and how it
/// aggregates. Written into the store when it is initialised and into every manifest.
public struct ComponentSpec: Sendable, Codable, Hashable {
    /// E.g. "mlp-regression", "hybrid-bioreactor", "mspc-monitor".
    public var id: String
    public var schema: ParameterSchema
    public var aggregation: AggregationKind

    public init(id: String, schema: ParameterSchema, aggregation: AggregationKind) {
        self.id = id
        self.schema = schema
        self.aggregation = aggregation
    }
}

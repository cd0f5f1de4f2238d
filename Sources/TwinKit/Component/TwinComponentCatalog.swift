/// The components TwinKit ships, by id, so executables can build one from a config string.
public enum TwinComponentCatalog {
    /// Known component ids.
    public static let ids = ["hybrid-bioreactor", "network-only", "mspc-monitor", "titre-regressor"]

    /// A component with default settings, or nil for an unknown id.
    public static func make(_ id: String) -> (any TwinComponent)? {
        switch id {
        case "hybrid-bioreactor": return HybridComponent()
        case "network-only": return NetworkOnlyComponent()
        case "mspc-monitor": return MSPCComponent()
        case "titre-regressor": return TitreRegressionComponent()
        default: return nil
        }
    }
}

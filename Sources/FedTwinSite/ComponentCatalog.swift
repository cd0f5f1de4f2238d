import FedTwinWire
import TwinKit

/// The twin components a site can train, by id, and the wire dtype of their parameters.
public enum ComponentCatalog {
    public static let ids = ["hybrid-bioreactor", "network-only", "noop"]

    public static func component(_ id: String) throws -> any TwinComponent {
        switch id {
        case "hybrid-bioreactor": return HybridComponent()
        case "network-only": return NetworkOnlyComponent()
        case "noop": return NoOpComponent()
        default: throw SiteError(.unknownComponent(id))
        }
    }

    /// The evaluation metric reported as "loss" (what `models list` shows as held-out loss):
    /// for the bioreactor components, the product-titre trajectory RMSE (g/L).
    public static func primaryMetric(for component: any TwinComponent) -> String? {
        switch component.id {
        case "hybrid-bioreactor", "network-only": return "rmse_P"
        default: return nil
        }
    }

    /// Network weights travel as f32; sufficient statistics (sum-aggregated) as f64.
    public static func dtype(for component: any TwinComponent) -> DType {
        component.aggregation == .sum ? .f64 : .f32
    }
}

import FedTwinWire
import TwinKit

/// The twin components a site can train, by id (TwinKit's catalog plus the `noop`
/// benchmark component), and how their parameters travel.
public enum ComponentCatalog {
    public static var ids: [String] { TwinComponentCatalog.ids + ["noop"] }

    /// The component `id`; `parameters` sizes the `noop` component (`--params`) and is
    /// refused for any other, whose size is its model's.
    public static func component(_ id: String, parameters: Int? = nil) throws -> any TwinComponent {
        if id == "noop" {
            let count = parameters ?? NoOpComponent.defaultParameterCount
            guard NoOpComponent.parameterCounts.contains(count) else {
                throw SiteError(.configuration(file: "command line", key: "params",
                                               problem: "\(count) parameters: the noop component takes \(NoOpComponent.parameterCounts.lowerBound)…\(NoOpComponent.parameterCounts.upperBound)"))
            }
            return NoOpComponent(parameterCount: count)
        }
        if parameters != nil {
            throw SiteError(.configuration(file: "command line", key: "params", problem: "only the noop component takes a parameter count; \(id) has its model's"))
        }
        guard let component = TwinComponentCatalog.make(id) else { throw SiteError(.unknownComponent(id)) }
        return component
    }

    /// A component from a `--component ID|SPEC` argument and an optional `--component-spec`
    /// file (``TwinComponentCatalog/make(_:specFile:)``): a catalog id, a spec's hybrid, or
    /// `feature-statistics` for a spec's statistics round.
    public static func component(_ argument: String?, specFile: String?, parameters: Int? = nil) throws -> any TwinComponent {
        if specFile == nil, let argument, !TwinComponentCatalog.isSpecFile(argument) { return try component(argument, parameters: parameters) }
        if parameters != nil {
            throw SiteError(.configuration(file: "command line", key: "params", problem: "only the noop component takes a parameter count; a spec's component has its model's"))
        }
        do {
            guard let component = try TwinComponentCatalog.make(argument, specFile: specFile) else {
                throw SiteError(.unknownComponent(argument ?? "<none>"))
            }
            return component
        } catch let error as SiteError {
            throw error
        } catch {
            throw SiteError(.componentSpec("\(error)"))
        }
    }

    /// The evaluation metric reported as "loss" (what `models list` shows as held-out loss):
    /// for the bioreactor components, the product-titre trajectory RMSE (g/L); for the
    /// titre regressor, its held-out RMSE.
    public static func primaryMetric(for component: any TwinComponent) -> String? {
        switch component.id {
        case "hybrid-bioreactor", "network-only": return "rmse_P"
        case "titre-regressor": return "final_titre_rmse"
        default: return component is SpecHybridComponent ? "final_titre_rmse" : nil
        }
    }

    /// Network weights travel as f32; sufficient statistics (sum-aggregated) as f64.
    public static func dtype(for component: any TwinComponent) -> DType {
        component.aggregation == .sum ? .f64 : .f32
    }
}

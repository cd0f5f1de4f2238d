/// Where open-loop simulation takes the broth volume from.
public enum VolumeSource: String, Sendable, Codable {
    /// Integrate dV/dt = F − W − E from the first logged volume (needs every flow logged).
    case balance
    /// Use the logged volume as a recorded input, re-anchoring V at every logged row.
    /// Right when some outflow is not logged (e.g. an unrecorded discharge) or evaporation
    /// differs from the nominal model, since concentrations then still see the true V.
    case logged
}

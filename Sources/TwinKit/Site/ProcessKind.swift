/// Which simulator a site profile describes: the `process` key of `profile.json`.
///
/// A profile without the key is a penicillin-type (microbial) profile, so every profile
/// written before the mammalian simulator existed reads unchanged.
public enum ProcessKind: String, Sendable, Codable, CaseIterable {
    /// Microbial fed-batch (PenSim kinetics): ``SiteProfile``.
    case penicillin
    /// Mammalian (CHO-type) fed-batch cell culture: ``MammalianProfile``.
    case mammalian
}

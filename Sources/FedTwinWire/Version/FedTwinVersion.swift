/// The one place the product's version is written. The executables print it for
/// `--version`; hellos, welcomes and manifests carry `software`, so a store records which
/// build wrote each version.
public enum FedTwinVersion {
    /// Semantic version of this build.
    public static let number = "0.1.0"
    /// What frames and manifests carry in their `software` field.
    public static let software = "fedtwin \(number)"
}

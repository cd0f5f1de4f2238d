import Foundation

/// Components built from a component spec file (docs/twin.md, "Component spec"), so every
/// command that takes a component id takes a spec file too (`--component ID|SPEC`).
extension TwinComponentCatalog {
    /// Whether a `--component` argument names a spec file rather than a catalog id: it ends
    /// in `.json` or contains a path separator (no catalog id does either).
    public static func isSpecFile(_ argument: String) -> Bool {
        argument.hasSuffix(".json") || argument.contains("/")
    }

    /// The spec's hybrid component, loaded and validated from `url`, with `scaling` fixed
    /// when given (the consortium's statistics round).
    ///
    /// - Throws: ``TwinSpecError`` naming the file and key path of what is wrong.
    public static func make(specFile url: URL, scaling: FeatureScaling? = nil) throws -> SpecHybridComponent {
        let component = try SpecHybridComponent(specFile: url)
        return try scaling.map { try component.withScaling($0) } ?? component
    }

    /// The statistics round (``FeatureStatisticsComponent``, id `feature-statistics`) that
    /// fixes the scaling of the spec at `url`.
    public static func statistics(specFile url: URL) throws -> FeatureStatisticsComponent {
        FeatureStatisticsComponent(target: try SpecHybridComponent(specFile: url))
    }

    /// A component from a `--component` argument, a `--component-spec` file, or both:
    /// - an id alone: the catalog's component (nil for an unknown id);
    /// - a spec file (as `argument`, see ``isSpecFile(_:)``, or as `specFile` with the id
    ///   absent or equal to the spec's id): the spec's hybrid;
    /// - `feature-statistics` with a spec file: the statistics round for that spec.
    ///
    /// - Throws: ``TwinSpecError`` for a spec that does not load, ``SpecComponentMismatch``
    ///   when the id names another component than the spec declares.
    public static func make(_ argument: String?, specFile: String?) throws -> (any TwinComponent)? {
        if let argument, isSpecFile(argument) {
            if let specFile, specFile != argument { throw SpecComponentMismatch(argument: argument, specFile: specFile, specID: nil) }
            return try make(specFile: URL(fileURLWithPath: argument))
        }
        guard let specFile else { return argument.flatMap { make($0) } }
        let url = URL(fileURLWithPath: specFile)
        if argument == "feature-statistics" { return try statistics(specFile: url) }
        let component = try make(specFile: url)
        if let argument, argument != component.id {
            throw SpecComponentMismatch(argument: argument, specFile: specFile, specID: component.id)
        }
        return component
    }
}

/// A `--component` that contradicts the `--component-spec` given with it.
public struct SpecComponentMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    public var argument: String
    public var specFile: String
    /// The spec's component id (nil when the argument was another spec file).
    public var specID: String?
    public var description: String {
        if let specID {
            return "--component \(argument) contradicts --component-spec \(specFile), which declares component '\(specID)' (give 'feature-statistics' for its statistics round, or leave --component out)"
        }
        return "--component \(argument) and --component-spec \(specFile) name two spec files; give one"
    }
}

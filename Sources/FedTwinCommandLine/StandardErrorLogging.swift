import ArgumentParser
import Logging

/// `--log-level` takes a `Logger.Level` as typed; an unknown value is refused with the
/// list of valid ones instead of silently becoming a default.
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Where the executables log: standard error, at the level given on the command line.
///
/// Libraries only take a `Logger`; each `@main` command calls this once, before it builds
/// any, so that the coordinator and the site log the same way.
public enum StandardErrorLogging {
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

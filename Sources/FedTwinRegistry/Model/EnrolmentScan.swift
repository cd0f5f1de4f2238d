/// The store's enrolment files as read: the ones that parse and, for each that does not,
/// an error naming it. One damaged file must refuse only the site it belongs to.
public struct EnrolmentScan: Sendable, Equatable {
    public var sites: [EnrolledSite] = []
    /// One error per enrolment file that cannot be read or parsed (code `corruptEnrolment`).
    public var unreadable: [RegistryError] = []

    public init() {}
}

import FedTwinAggregation
import FedTwinWire

extension FrameLimits {
    /// These limits with the payload's raw (decompressed) size, and the body as sent,
    /// capped to what the component's parameters can need.
    ///
    /// The decoder sizes its inflate buffer from the manifest's declared raw length before
    /// inflating, so with the wire default (512 MiB) a signed frame of a few hundred bytes
    /// from an enrolled site could make the coordinator reserve that much per connection.
    /// No legitimate update of this component needs more than 16 bytes per parameter (f64
    /// is 8; q8 with one-element blocks is 9) plus 1 MiB for small components, so that is
    /// the raw cap — or the configured limit, if lower. The body is that payload, perhaps
    /// deflated; deflate's worst case adds far less than 1/1024 plus 64 KiB, so that is
    /// the body cap. The transport applies these limits once a site's `hello` is accepted
    /// (`FrameConnection.admit(limits:)`), so a site cannot declare a 256 MiB body for a
    /// component whose update is a few kilobytes.
    func capped(to schema: ParameterSchema) -> FrameLimits {
        var limits = self
        let (perParameter, overflow) = schema.parameterCount.multipliedReportingOverflow(by: 16)
        let (need, overflowAgain) = perParameter.addingReportingOverflow(1 << 20)
        if !overflow, !overflowAgain {
            limits.payload.maxRawLength = Swift.min(limits.payload.maxRawLength, need)
            let (body, overflowBody) = need.addingReportingOverflow(need / 1024 + (64 << 10))
            if !overflowBody { limits.maxBodyLength = Swift.min(limits.maxBodyLength, body) }
        }
        return limits
    }
}

import FedTwinRegistry
import FedTwinTransport
import FedTwinWire

/// One authenticated connection of an enrolled site, as the coordinator actor sees it.
struct SiteSession: Sendable {
    let site: EnrolledSite
    let key: PublicKey
    let id: String
    let challenge: String
    let connection: any FrameConnection
    /// Frames to send, written by one task per connection so that they leave in `seq` order.
    let outbound: AsyncStream<[UInt8]>.Continuation
    /// `seq` the site's next frame must carry.
    var nextInboundSeq: UInt64 = 1
    /// `seq` of our next frame to this site.
    var nextOutboundSeq: UInt64 = 1

    var name: String { site.name }
}

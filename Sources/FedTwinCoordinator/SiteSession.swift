import FedTwinRegistry
import FedTwinTransport
import FedTwinWire
import Foundation

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
    /// What the site's hello said it runs, and when the session opened (for /status).
    var software = ""
    let opened = Date()

    var name: String { site.name }
}

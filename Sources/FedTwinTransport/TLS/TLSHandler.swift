import COpenSSL
import FedTwinWire
import NIOCore

/// TLS 1.3 over the system libssl, as a NIO handler: OpenSSL reads from and writes to two
/// memory BIOs, and this handler moves bytes between them and the channel. It sits at the
/// head of the pipeline; everything after it (framing, limits) sees plaintext.
///
/// Memory BIOs rather than a TLS thread: the event loop stays the only thread that touches
/// a connection, OpenSSL never blocks, and back-pressure works as for plain TCP.
/// (docs/security.md explains the choice.)
final class TLSHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State { case idle, handshaking, active, closed }

    private let tls: TLSContext
    private let ssl: OpaquePointer
    private let rbio: OpaquePointer
    private let wbio: OpaquePointer
    private var state = State.idle
    private var pending: [(ByteBuffer, EventLoopPromise<Void>?)] = []
    private let onPeerKey: (PublicKey) -> Void
    /// The peer's key once the handshake has completed and it was accepted.
    private(set) var peerKey: PublicKey?

    init(context tls: TLSContext, onPeerKey: @escaping (PublicKey) -> Void = { _ in }) throws {
        guard let ssl = SSL_new(tls.context) else { throw OpenSSLError.drain("SSL_new") }
        guard let rbio = BIO_new(BIO_s_mem()), let wbio = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw OpenSSLError.drain("BIO_new")
        }
        // An empty memory BIO must mean "retry later", not EOF.
        _ = fedtwin_BIO_set_mem_eof_return(rbio, -1)
        _ = fedtwin_BIO_set_mem_eof_return(wbio, -1)
        SSL_set_bio(ssl, rbio, wbio)  // the SSL owns both BIOs from here on
        switch tls.role {
        case .server: SSL_set_accept_state(ssl)
        case .client: SSL_set_connect_state(ssl)
        }
        self.tls = tls
        self.ssl = ssl
        self.rbio = rbio
        self.wbio = wbio
        self.onPeerKey = onPeerKey
    }

    deinit { SSL_free(ssl) }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startHandshake(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startHandshake(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state == .handshaking || state == .idle {
            context.fireErrorCaught(TLSError(.closedDuringHandshake))
        }
        state = .closed
        failPending(TLSError(.closedDuringHandshake))
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard state != .closed else { return }
        buffer.withUnsafeReadableBytes { bytes in
            if bytes.count > 0 { _ = BIO_write(rbio, bytes.baseAddress, Int32(bytes.count)) }
        }
        switch state {
        case .idle, .handshaking: advanceHandshake(context)
        case .active: readPlaintext(context)
        case .closed: break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        switch state {
        case .active:
            encrypt(buffer, context: context, promise: promise)
        case .idle, .handshaking:
            pending.append((buffer, promise))
        case .closed:
            promise?.fail(TLSError(.io("write after the TLS session closed")))
        }
    }

    func flush(context: ChannelHandlerContext) {
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if state == .active, mode == .all {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)  // queue close_notify; the peer need not answer
            ERR_clear_error()
            sendNetworkBytes(context, promise: nil)
            context.flush()
        }
        state = .closed
        failPending(TLSError(.io("connection closed")))
        context.close(mode: mode, promise: promise)
    }

    // MARK: internals

    private func startHandshake(_ context: ChannelHandlerContext) {
        guard state == .idle else { return }
        state = .handshaking
        advanceHandshake(context)
    }

    private func advanceHandshake(_ context: ChannelHandlerContext) {
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            sendNetworkBytes(context, promise: nil)
            context.flush()
            do {
                try checkPeer()
            } catch {
                fail(context, error)
                return
            }
            state = .active
            let queued = pending
            pending.removeAll()
            for (buffer, promise) in queued { encrypt(buffer, context: context, promise: promise) }
            if !queued.isEmpty { context.flush() }
            readPlaintext(context)  // application data may have arrived with the last flight
            return
        }
        let error = SSL_get_error(ssl, result)
        if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE {
            sendNetworkBytes(context, promise: nil)
            context.flush()
            return
        }
        // Send any alert OpenSSL queued, then give up.
        sendNetworkBytes(context, promise: nil)
        context.flush()
        fail(context, TLSError(.handshake(OpenSSLError.drain("SSL_do_handshake").description)))
    }

    private func checkPeer() throws {
        guard let certificate = fedtwin_SSL_get1_peer_certificate(ssl) else { throw TLSError(.noPeerCertificate) }
        let (key, valid) = try Certificate.peer(taking: certificate)
        guard valid else { throw TLSError(.peerCertificateNotValidNow(fingerprint: key.fingerprint.hex)) }
        if let accept = tls.acceptPeer, !accept(key) {
            throw TLSError(.peerNotAccepted(fingerprint: key.fingerprint.hex))
        }
        peerKey = key
        onPeerKey(key)
    }

    private func readPlaintext(_ context: ChannelHandlerContext) {
        var delivered = false
        while state == .active {
            var out = context.channel.allocator.buffer(capacity: 16 * 1024)
            var result: Int32 = 0
            ERR_clear_error()
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 * 1024) { bytes in
                result = SSL_read(ssl, bytes.baseAddress, Int32(bytes.count))
                return result > 0 ? Int(result) : 0
            }
            if result > 0 {
                context.fireChannelRead(wrapInboundOut(out))
                delivered = true
                continue
            }
            let error = SSL_get_error(ssl, result)
            if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { break }
            if error == SSL_ERROR_ZERO_RETURN {
                // The peer sent close_notify: a clean end of the session.
                ERR_clear_error()
                state = .closed
                context.close(promise: nil)
                break
            }
            fail(context, TLSError(.io(OpenSSLError.drain("SSL_read").description)))
            break
        }
        if delivered { context.fireChannelReadComplete() }
        sendNetworkBytes(context, promise: nil)  // e.g. key-update answers
    }

    private func encrypt(_ buffer: ByteBuffer, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        var failed: TLSError?
        buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                ERR_clear_error()
                let n = SSL_write(ssl, bytes.baseAddress! + offset, Int32(min(bytes.count - offset, Int(Int32.max))))
                if n <= 0 {
                    failed = TLSError(.io(OpenSSLError.drain("SSL_write").description))
                    return
                }
                offset += Int(n)
            }
        }
        if let failed {
            promise?.fail(failed)
            fail(context, failed)
            return
        }
        sendNetworkBytes(context, promise: promise)
    }

    /// Moves everything OpenSSL wrote into the write BIO onto the channel.
    private func sendNetworkBytes(_ context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        var wrote = false
        while case let count = Int(BIO_ctrl_pending(wbio)), count > 0 {
            var out = context.channel.allocator.buffer(capacity: count)
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
                Int(max(0, BIO_read(wbio, bytes.baseAddress, Int32(count))))
            }
            let last = BIO_ctrl_pending(wbio) == 0
            context.write(wrapOutboundOut(out), promise: last ? promise : nil)
            wrote = true
        }
        if !wrote { promise?.succeed(()) }
    }

    private func fail(_ context: ChannelHandlerContext, _ error: any Error) {
        guard state != .closed else { return }
        state = .closed
        failPending(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func failPending(_ error: any Error) {
        let queued = pending
        pending.removeAll()
        for (_, promise) in queued { promise?.fail(error) }
    }
}

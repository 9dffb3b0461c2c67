internal import CCurl
import Glibc
import Logging

extension MultiDriver {
    /// What libcurl reported about `transfer`'s failure, read before its handle is removed.
    func failure(of transfer: Transfer, on handle: EasyHandle, code: CURLcode, newConnections: Int) -> FailedTransfer {
        let isTLS = transfer.request.isTLS
        return FailedTransfer(
            code: code,
            message: handle.errorMessage(for: code),
            isTLS: isTLS,
            sentClientCertificate: configuration.tls.certificateFile != nil,
            verifyResult: isTLS ? handle.info(CURLINFO_SSL_VERIFYRESULT) : 0,
            requestAttempts: transfer.requestAttempts,
            requestBytesSent: handle.info(CURLINFO_REQUEST_SIZE),
            receivedResponseBytes: transfer.receivedResponseBytes,
            newConnections: newConnections)
    }

    /// Completes a transfer libcurl failed, with the error ``CurlCodes/classify(_:)`` decides —
    /// or, once, retries it over TLS 1.2 when a server closed a new TLS connection before the
    /// request went out (``CurlCodes/isUnexplainedCloseAfterTLSHandshake(_:)``).
    func transferFailed(_ transfer: Transfer, on handle: EasyHandle, _ failure: FailedTransfer) {
        let classification = CurlCodes.classify(failure)
        let error = transfer.error(
            classification.kind, tlsFailure: classification.tlsFailure, delivery: classification.delivery,
            curlCode: failure.code, message: failure.message)
        if var first = transfer.failureBeforeTLS12Retry {
            guard !CurlCodes.retryExplains(classification) else { return complete(transfer, .failure(error)) }
            // The first attempt sent nothing, so whether the request can have arrived is the retry's.
            first.delivery = error.delivery
            first.message += "; a retry over TLS 1.2 failed too: \(error.message)"
            first.elapsed = error.elapsed
            return complete(transfer, .failure(first))
        }
        if CurlCodes.isUnexplainedCloseAfterTLSHandshake(failure) {
            discardUnreadBytes(of: handle)
            if retryOverTLS12(transfer, replacing: handle, after: error) { return }
        }
        complete(transfer, .failure(error))
    }

    /// After a send failure libcurl 7.88 keeps the connection cached (it ends the transfer as
    /// not premature), and its liveness check — a one-byte `MSG_PEEK` — finds the server's
    /// unread TLS alert queued before the reset and calls the connection alive: the next
    /// request would be sent into it and fail, and a write would then read "possibly sent".
    /// Reading those bytes off the dead socket lets the check see the reset, so libcurl closes
    /// the connection instead of reusing it. Runs outside libcurl calls, on the driver's queue.
    private func discardUnreadBytes(of handle: EasyHandle) {
        guard let socket = handle.lastSocket else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var total = 0
        while total < 1 << 20 {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count <= 0 { break }
            total += count
        }
    }

    /// Swaps `handle` for a fresh one capped at TLS 1.2 and adds it again; the transfer keeps its
    /// deadlines. `false` when that is impossible (then the caller completes the transfer).
    private func retryOverTLS12(_ transfer: Transfer, replacing handle: EasyHandle, after error: TransportError) -> Bool {
        guard let multi, let fresh = EasyHandle() else { return false }
        if case .fatal(let message) = CurlCodes.disposition(of: curl_multi_remove_handle(multi, handle.raw), in: "curl_multi_remove_handle") {
            logger.error("libcurl failed to remove a transfer", metadata: ["error": "\(message)"])
        }
        transfer.failureBeforeTLS12Retry = error
        transfer.requestAttempts = 0
        transfer.receivedResponseBytes = false
        transfer.parser = HeaderBlockParser()
        transfer.body = []
        do {
            try transfer.configure(
                fresh, configuration: configuration, driver: Unmanaged.passUnretained(self).toOpaque(),
                proxyInEnvironment: direct.proxyInEnvironment)
        } catch {
            return false
        }
        transfer.state = .running(fresh)
        if case .fatal(let message) = CurlCodes.disposition(of: curl_multi_add_handle(multi, fresh.raw), in: "curl_multi_add_handle") {
            complete(transfer, .failure(transfer.error(.other, message: message)))
        }
        return true
    }
}
